/**
 * The reconciler Lambda's code: one CommonJS file holding `lambda/reconciler/index.ts` and what it imports (AWS SDK
 * v3 included, so the tested version is the deployed one). The npm package ships it prebuilt
 * (`dist/lambda/reconciler.js`, made by `npm run build`); a source checkout bundles it with esbuild at program time.
 * The output is deterministic for the same sources (relative paths, no source maps, no timestamps), so the asset
 * hash, and the Lambda, change only when the code does.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** Where the package keeps the prebuilt bundle, relative to the package root. */
export const PREBUILT_RECONCILER = path.join("dist", "lambda", "reconciler.js");
const ENTRY = path.join("lambda", "reconciler", "index.ts");

/** The package root, and whether this module runs from the compiled package (`dist/`) or from source. */
function packageRoot(): { root: string; compiled: boolean } {
  const compiled = __dirname.split(path.sep).includes("dist");
  return { root: path.resolve(__dirname, compiled ? "../../.." : "../.."), compiled };
}

/** Bundles the Lambda from source with esbuild (a development dependency: source checkouts and the build only). */
export function bundleReconcilerCode(): string {
  // Loaded lazily: the installed package never reaches this line and does not depend on esbuild.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const result = buildSync({
    absWorkingDir: packageRoot().root,
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
  return result.outputFiles[0].text;
}

/** The bundled handler. */
export interface ReconcilerBundle {
  /** `index.js` contents; handler `index.handler`. */
  code: string;
  /** sha256 of `code`, hex. */
  sha256: string;
}

let cached: ReconcilerBundle | undefined;

/** The reconciler's code (once per process): the prebuilt file of the package, or a fresh bundle from source. */
export function bundleReconciler(): ReconcilerBundle {
  if (!cached) {
    const { root, compiled } = packageRoot();
    const code = compiled
      ? fs.readFileSync(path.join(root, PREBUILT_RECONCILER), "utf8")
      : bundleReconcilerCode();
    cached = { code, sha256: createHash("sha256").update(code).digest("hex") };
  }
  return cached;
}

/** The bundle as a Lambda deployment package (`index.js` at the zip root). */
export function reconcilerArchive(): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleReconciler().code) });
}
