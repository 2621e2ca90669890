/**
 * Stages the agent's Docker build context: the files of `agent/` plus the vendor's rpcapd package, in a
 * folder named by their content hash. The hash is also the image tag, which ECR's immutable tags require
 * to change whenever the content does.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where the vendor package lands inside the staged context (the Dockerfile's `RPCAPD_PACKAGE` build arg). */
export const VENDOR_DIR = "vendor";

/** A staged build context. */
export interface StagedBuildContext {
  /** Absolute path of the staged folder. */
  dir: string;
  /** `RPCAPD_PACKAGE` build arg: the package's path relative to `dir`. */
  packagePath: string;
  /** First 16 hex digits of the SHA-256 over every staged file's path and content. */
  contentHash: string;
}

/**
 * Checks that the vendor package exists and is readable (at preview); the message is the reason, for `rpcapdPackage`.
 * @param packagePath value of `rpcapdPackage`, absolute or relative to `baseDir`
 * @param baseDir the project directory
 */
export function checkRpcapdPackage(packagePath: string, baseDir: string): string {
  const resolved = path.resolve(baseDir, packagePath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
    fs.accessSync(resolved, fs.constants.R_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "is not readable";
    throw new Error(
      `${JSON.stringify(packagePath)} ${reason} (resolved to ${resolved}); ` +
        "download the ExtraHop rpcapd .deb or Linux .tar.gz and point rpcapdPackage at it",
    );
  }
  if (!stat.isFile() || stat.size === 0) {
    throw new Error(`${JSON.stringify(packagePath)} is not a non-empty file (resolved to ${resolved})`);
  }
  return resolved;
}

/** Where the npm package keeps the prebuilt agent program, relative to the package root. */
export const PREBUILT_AGENT_PROGRAM = path.join("agent", "dist", "agent.js");
/** The program's name in the build context (the Dockerfile copies it). */
const AGENT_PROGRAM_FILE = "agent.js";
/** Files of `agent/` that are not part of the image: the bundler, the sources (bundled), build output. */
const NOT_IN_CONTEXT = new Set(["build.ts", "src", "dist", VENDOR_DIR]);

/**
 * The agent program as one file: prebuilt in the installed package, bundled from `agent/src` in a source checkout
 * (the bundler, `agent/build.ts`, needs esbuild, a development dependency).
 */
function agentProgram(agentDir: string): Buffer {
  const prebuilt = path.join(agentDir, "..", PREBUILT_AGENT_PROGRAM);
  if (__dirname.split(path.sep).includes("dist") && fs.existsSync(prebuilt)) {
    return fs.readFileSync(prebuilt);
  }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ppf-agent-")), AGENT_PROGRAM_FILE);
  // Loaded only in a source checkout: the installed package ships the program and has no bundler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const build = require(path.join(agentDir, "build")) as {
    bundleAgentProgram(outFile: string): { file: string };
  };
  const program = fs.readFileSync(build.bundleAgentProgram(out).file);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return program;
}

/**
 * Copies the image's files of `agentDir` (Dockerfile, entrypoint), the agent program and the vendor package into
 * `<stagingRoot>/<hash>/`; idempotent (an existing folder of the same hash is reused).
 */
export function stageBuildContext(
  agentDir: string,
  rpcapdPackage: string,
  stagingRoot: string,
): StagedBuildContext {
  const contents = new Map<string, Buffer>();
  for (const e of fs
    .readdirSync(agentDir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isFile() && !NOT_IN_CONTEXT.has(e.name)) {
      contents.set(e.name, fs.readFileSync(path.join(agentDir, e.name)));
    }
  }
  contents.set(AGENT_PROGRAM_FILE, agentProgram(agentDir));
  const packagePath = path.posix.join(VENDOR_DIR, path.basename(rpcapdPackage));
  contents.set(packagePath, fs.readFileSync(rpcapdPackage));
  const hash = createHash("sha256");
  for (const [f, data] of [...contents].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(f).update("\0").update(data).update("\0");
  }
  const contentHash = hash.digest("hex").slice(0, 16);
  const dir = path.join(stagingRoot, contentHash);
  if (!fs.existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    for (const [f, data] of contents) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.writeFileSync(path.join(tmp, f), data);
      const source = path.join(agentDir, f);
      fs.chmodSync(path.join(tmp, f), fs.existsSync(source) ? fs.statSync(source).mode & 0o777 : 0o644);
    }
    fs.renameSync(tmp, dir);
  }
  return { dir, packagePath, contentHash };
}
