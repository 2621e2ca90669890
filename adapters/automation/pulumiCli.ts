/**
 * Finds the `pulumi` CLI the Automation API drives, before the API is called, so a missing or old CLI is one clear
 * message (what to install, which version) instead of `spawn pulumi ENOENT` from deep inside the SDK.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";

/** Where to get the CLI. */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";

/**
 * Oldest CLI this API works with: `Stack.destroy` of an inline program needs 3.181.0 (the SDK refuses older ones).
 * The SDK this project pins is 3.248; a CLI of that version or newer is recommended.
 */
export const MINIMUM_PULUMI_VERSION = "3.181.0";

/** The CLI is absent, not runnable, or older than `MINIMUM_PULUMI_VERSION`. */
export class PulumiCliError extends Error {
  /** Why: `missing` (not on PATH / not at the given root), `too-old`, or `unusable` (found but failed to run). */
  readonly reason: "missing" | "too-old" | "unusable";
  constructor(reason: "missing" | "too-old" | "unusable", detail: string) {
    super(
      `${detail}\n` +
        `pod-packet-forwarding drives the Pulumi CLI (version ${MINIMUM_PULUMI_VERSION} or newer) through the Automation API.\n` +
        `Install it from ${PULUMI_INSTALL_URL} (for example: curl -fsSL https://get.pulumi.com | sh), ` +
        "make sure `pulumi version` works in this shell, then run again.",
    );
    this.name = "PulumiCliError";
    this.reason = reason;
  }
}

/**
 * The first executable `pulumi` on a PATH, or undefined.
 * @param envPath the PATH value to search (default `process.env.PATH`)
 * @param platform the platform whose executable naming applies (default `process.platform`)
 */
export function findOnPath(
  envPath: string | undefined = process.env.PATH,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const names = platform === "win32" ? ["pulumi.exe", "pulumi.cmd", "pulumi"] : ["pulumi"];
  for (const dir of (envPath ?? "").split(platform === "win32" ? ";" : ":")) {
    if (!dir) {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) {
          return candidate;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Where to look for the CLI. */
export interface CliLocation {
  /** An installation root (`<root>/bin/pulumi`), as `PulumiCommand.get({ root })` takes; default: PATH. */
  root?: string;
  /** The PATH to search when no root is given; default `process.env.PATH`. */
  envPath?: string;
}

/**
 * The Pulumi CLI for the Automation API, checked first: PATH lookup (or the root), then `PulumiCommand.get`, whose
 * failures are mapped to `PulumiCliError`.
 * @throws PulumiCliError
 */
export async function locatePulumiCli(location: CliLocation = {}): Promise<PulumiCommand> {
  if (location.root) {
    const bin = path.join(location.root, "bin", process.platform === "win32" ? "pulumi.exe" : "pulumi");
    if (!fs.existsSync(bin)) {
      throw new PulumiCliError("missing", `The Pulumi CLI was not found at ${bin}.`);
    }
  } else if (!findOnPath(location.envPath)) {
    throw new PulumiCliError("missing", "The Pulumi CLI (`pulumi`) was not found on PATH.");
  }
  let cli: PulumiCommand;
  try {
    cli = await PulumiCommand.get({ root: location.root });
  } catch (err) {
    throw mapCliError(err);
  }
  if (cli.version && cli.version.compare(MINIMUM_PULUMI_VERSION) < 0) {
    throw new PulumiCliError(
      "too-old",
      `The installed Pulumi CLI is version ${cli.version.version}, older than ${MINIMUM_PULUMI_VERSION}.`,
    );
  }
  return cli;
}

/** Maps what `PulumiCommand.get` and the SDK throw about the CLI to `PulumiCliError`; other errors pass through. */
export function mapCliError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/ENOENT/.test(message) && /spawn|pulumi/.test(message)) {
    return new PulumiCliError("missing", "The Pulumi CLI (`pulumi`) could not be started (not found).");
  }
  if (/Minimum version requirement failed|requires Pulumi version >=/.test(message)) {
    return new PulumiCliError("too-old", `The installed Pulumi CLI is too old: ${message.trim()}`);
  }
  if (/Failed to parse Pulumi CLI version|Major version mismatch/.test(message)) {
    return new PulumiCliError("unusable", `The installed Pulumi CLI cannot be used: ${message.trim()}`);
  }
  return err;
}
