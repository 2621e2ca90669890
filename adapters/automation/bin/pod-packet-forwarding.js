#!/usr/bin/env node
/*
 * `npx pod-packet-forwarding ...` from a checkout (after `npm ci`): runs automation/cli.ts through ts-node in
 * transpile-only mode, the way `npm run plan` and the tests run TypeScript here. No build step, so the command
 * can never run stale compiled code; type checking is `npm run typecheck`'s job. Needs the dev dependencies
 * (ts-node, typescript), i.e. `npm ci` without --omit=dev.
 */
"use strict";
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require("node:path");

// The AWS SDK's Node 20 deprecation notice says nothing about the pinned versions (see harness/quietSdk.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });

require("../cli")
  .runCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
