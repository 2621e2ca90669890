/**
 * Bundles `lambda/reconciler/index.ts` (and what it imports, AWS SDK v3 included) into one CommonJS file with
 * esbuild, at program time. The output is deterministic for the same sources: paths are relative to the repo
 * root, no source maps, no timestamps, so the asset hash (and the Lambda) changes only when the code does.
 * The SDK is bundled rather than taken from the runtime so the tested version is the deployed one.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";

const ENTRY = path.join("lambda", "reconciler", "index.ts");

/**
 * Repository root: two levels up from this file when run from source (ts-node, Pulumi's default), three when run
 * from `tsc`'s `bin/` output.
 */
function repoRoot(): string {
  const candidates = [path.resolve(__dirname, "..", ".."), path.resolve(__dirname, "..", "..", "..")];
  const root = candidates.find((c) => fs.existsSync(path.join(c, ENTRY)));
  if (!root) {
    throw new Error(`cannot find ${ENTRY} above ${__dirname} to bundle the reconciler Lambda`);
  }
  return root;
}

/** The bundled handler. */
export interface ReconcilerBundle {
  /** `index.js` contents; handler `index.handler`. */
  code: string;
  /** sha256 of `code`, hex. */
  sha256: string;
}

let cached: ReconcilerBundle | undefined;

/** Builds (once per process) the reconciler bundle. */
export function bundleReconciler(): ReconcilerBundle {
  if (!cached) {
    const result = buildSync({
      absWorkingDir: repoRoot(),
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      write: false,
      sourcemap: false,
      // Whitespace and syntax only: identifiers stay readable in stack traces.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
    });
    const code = result.outputFiles[0].text;
    cached = { code, sha256: createHash("sha256").update(code).digest("hex") };
  }
  return cached;
}

/** The bundle as a Lambda deployment package (`index.js` at the zip root). */
export function reconcilerArchive(): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleReconciler().code) });
}
