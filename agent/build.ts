/**
 * Bundles the agent program (agent/src/main.ts and what it imports: the agent's modules and the shared contract)
 * into one JavaScript file for Debian's nodejs (18 in bookworm), so the image needs no node_modules. Used by the
 * image build's context staging (the component's and the tests'), the kernel simulation, and by hand:
 *
 *   npx ts-node --transpile-only agent/build.ts /tmp/ctx/agent.js
 */
import * as crypto from "crypto";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";

/** The bundle's file name in the image's build context (the Dockerfile copies it). */
export const AGENT_PROGRAM_FILE = "agent.js";
/** The program's entry point. */
export const AGENT_ENTRY = path.join(__dirname, "src", "main.ts");
/** The Node.js the bundle targets: Debian 12's nodejs package. */
export const AGENT_NODE_TARGET = "node18";

/** What a bundle run produced. */
export interface AgentBundle {
  /** Absolute path of the bundle. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** Hash of the sources it was built from (also compiled into the program, logged at start). */
  build: string;
}

function sourceHash(): string {
  const roots = [path.join(__dirname, "src"), path.join(__dirname, "..", "components", "contract")];
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (e.name.endsWith(".ts")) {
        files.push(p);
      }
    }
  };
  roots.forEach(walk);
  const h = crypto.createHash("sha256");
  for (const f of files.sort()) {
    h.update(path.relative(path.join(__dirname, ".."), f))
      .update("\0")
      .update(fs.readFileSync(f))
      .update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** Bundles the program into `outFile` (directories are created). */
export function bundleAgentProgram(outFile: string): AgentBundle {
  const build = sourceHash();
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  esbuild.buildSync({
    entryPoints: [AGENT_ENTRY],
    outfile: outFile,
    bundle: true,
    platform: "node",
    target: AGENT_NODE_TARGET,
    format: "cjs",
    logLevel: "silent",
    legalComments: "none",
    banner: { js: `// ExtraHop rpcapd agent, build ${build}. Bundled from agent/src; do not edit.` },
    define: { AGENT_BUILD: JSON.stringify(build) },
  });
  return { file: path.resolve(outFile), bytes: fs.statSync(outFile).size, build };
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write("usage: agent/build.ts <output file, e.g. /tmp/ctx/agent.js>\n");
    process.exit(2);
  }
  const b = bundleAgentProgram(out);
  process.stdout.write(`${b.file}: ${b.bytes} bytes, build ${b.build}\n`);
}
