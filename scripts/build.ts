/**
 * The npm package's build: TypeScript to `dist/` (with declarations), and the two programs that run outside Node
 * processes of the consumer bundled once, so a consumer needs neither ts-node nor esbuild: the reconciler Lambda
 * (`dist/lambda/reconciler.js`) and the agent program of the image (`agent/dist/agent.js`).
 *
 *   npm run build
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { bundleAgentProgram } from "../agent/build";
import { PREBUILT_RECONCILER, bundleReconcilerCode } from "../components/reconciler/bundle";
import { PREBUILT_AGENT_PROGRAM } from "../components/agent/buildContext";

const ROOT = path.resolve(__dirname, "..");

fs.rmSync(path.join(ROOT, "dist"), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json")],
  {
    stdio: "inherit",
  },
);
const lambda = path.join(ROOT, PREBUILT_RECONCILER);
fs.mkdirSync(path.dirname(lambda), { recursive: true });
fs.writeFileSync(lambda, bundleReconcilerCode());
const agent = bundleAgentProgram(path.join(ROOT, PREBUILT_AGENT_PROGRAM));
process.stdout.write(
  `built dist/, ${path.relative(ROOT, lambda)}, ${path.relative(ROOT, agent.file)} (${agent.bytes} bytes)\n`,
);
