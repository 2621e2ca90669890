#!/usr/bin/env node
/*
 * `npx pod-packet-forwarding ...`. In a checkout (after `npm ci`) the TypeScript source sits next to this folder and
 * runs through ts-node in transpile-only mode, the way `npm run plan` and the tests run TypeScript here: no build
 * step, so the command never runs stale compiled code (type checking is `npm run typecheck`'s job). In the npm
 * package only the compiled `dist/` is shipped, and that runs as it is.
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("node:fs");
const path = require("node:path");

// The AWS SDK's Node 20 deprecation notice says nothing about the pinned versions (see harness/quietSdk.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = path.join(__dirname, "..", "..", "..");
let cli;
if (fs.existsSync(path.join(__dirname, "..", "cli.ts"))) {
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  cli = require("../cli");
} else {
  cli = require(path.join(root, "dist", "adapters", "automation", "cli.js"));
}

cli.runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
