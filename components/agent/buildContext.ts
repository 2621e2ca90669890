/**
 * Stages the agent's Docker build context: the files of `agent/` plus the vendor's rpcapd package, in a
 * folder named by their content hash. The hash is also the image tag, which ECR's immutable tags require
 * to change whenever the content does.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
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

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name],
    )
    .sort();
}

/**
 * Copies `agentDir` and the package into `<stagingRoot>/<hash>/`; idempotent (an existing folder of the same
 * hash is reused).
 */
export function stageBuildContext(
  agentDir: string,
  rpcapdPackage: string,
  stagingRoot: string,
): StagedBuildContext {
  const files = listFiles(agentDir).filter((f) => !f.startsWith(`${VENDOR_DIR}${path.sep}`));
  const packagePath = path.posix.join(VENDOR_DIR, path.basename(rpcapdPackage));
  const hash = createHash("sha256");
  for (const f of files) {
    hash
      .update(f)
      .update("\0")
      .update(fs.readFileSync(path.join(agentDir, f)))
      .update("\0");
  }
  hash.update(packagePath).update("\0").update(fs.readFileSync(rpcapdPackage));
  const contentHash = hash.digest("hex").slice(0, 16);
  const dir = path.join(stagingRoot, contentHash);
  if (!fs.existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.copyFileSync(path.join(agentDir, f), path.join(tmp, f));
      fs.chmodSync(path.join(tmp, f), fs.statSync(path.join(agentDir, f)).mode);
    }
    fs.mkdirSync(path.join(tmp, VENDOR_DIR), { recursive: true });
    fs.copyFileSync(rpcapdPackage, path.join(tmp, packagePath));
    fs.renameSync(tmp, dir);
  }
  return { dir, packagePath, contentHash };
}
