/**
 * Finding the Pulumi CLI: PATH lookup, the SDK's own `PulumiCommand.get` against stand-in `pulumi` scripts, and the
 * mapping of the SDK's raw `spawn pulumi ENOENT` to a message that says what to install.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import {
  findOnPath,
  locatePulumiCli,
  mapCliError,
  MINIMUM_PULUMI_VERSION,
  PulumiCliError,
} from "../../adapters/automation/pulumiCli";

const MISSING_MESSAGE =
  "The Pulumi CLI (`pulumi`) was not found on PATH.\n" +
  "pod-packet-forwarding drives the Pulumi CLI (version 3.181.0 or newer) through the Automation API.\n" +
  "Install it from https://www.pulumi.com/docs/install/ (for example: curl -fsSL https://get.pulumi.com | sh), " +
  "make sure `pulumi version` works in this shell, then run again.";

describe("automation: Pulumi CLI lookup", function () {
  this.timeout(30000);
  let tmp: string;
  const savedPath = process.env.PATH;
  const savedSkip = process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-cli-"));
    delete process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    if (savedSkip !== undefined) {
      process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK = savedSkip;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A stand-in `pulumi` that prints a version, in its own folder. */
  function fakePulumi(version: string, mode = 0o755): string {
    const dir = fs.mkdtempSync(path.join(tmp, "bin-"));
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho ${version}\n`, { mode });
    return dir;
  }

  it("looks the executable up on PATH, skipping non-executable files and empty entries", () => {
    const noExec = fakePulumi("v3.248.0", 0o644);
    const good = fakePulumi("v3.248.0");
    assert.equal(findOnPath(`:${noExec}:${good}`, "linux"), path.join(good, "pulumi"));
    assert.equal(findOnPath(noExec, "linux"), undefined);
    assert.equal(findOnPath("", "linux"), undefined);
    assert.equal(findOnPath(undefined, "linux"), undefined);
  });

  it("with an empty PATH, the SDK alone fails with spawn ENOENT; the lookup says what to install", async () => {
    process.env.PATH = "";
    const raw = await PulumiCommand.get().then(
      () => assert.fail("PulumiCommand.get found a CLI with an empty PATH"),
      (err: unknown) => err,
    );
    assert.match((raw as Error).message, /ENOENT/);
    const mapped = mapCliError(raw);
    assert.ok(mapped instanceof PulumiCliError);
    assert.equal(mapped.reason, "missing");

    await assert.rejects(locatePulumiCli({ envPath: "" }), (err: unknown) => {
      assert.ok(err instanceof PulumiCliError);
      assert.equal(err.reason, "missing");
      assert.equal(err.message, MISSING_MESSAGE);
      return true;
    });
  });

  it("names the root when an installation root is given and holds no CLI", async () => {
    await assert.rejects(locatePulumiCli({ root: tmp }), {
      name: "PulumiCliError",
      message: new RegExp(`^The Pulumi CLI was not found at ${path.join(tmp, "bin", "pulumi")}\\.\\n`),
    });
  });

  it("accepts a CLI at or above the minimum version and refuses older or unparsable ones", async () => {
    const current = fakePulumi("v3.248.0");
    process.env.PATH = current;
    const cli = await locatePulumiCli({ envPath: current });
    assert.equal(cli.command, "pulumi");
    assert.equal(cli.version?.version, "3.248.0");

    const old = fakePulumi("v3.100.0");
    process.env.PATH = old;
    await assert.rejects(locatePulumiCli({ envPath: old }), (err: unknown) => {
      assert.ok(err instanceof PulumiCliError);
      assert.equal(err.reason, "too-old");
      assert.match(
        err.message,
        new RegExp(
          `^The installed Pulumi CLI is version 3\\.100\\.0, older than ${MINIMUM_PULUMI_VERSION.replace(/\./g, "\\.")}\\.\\n`,
        ),
      );
      return true;
    });

    const broken = fakePulumi("not-a-version");
    process.env.PATH = broken;
    await assert.rejects(locatePulumiCli({ envPath: broken }), (err: unknown) => {
      assert.ok(err instanceof PulumiCliError);
      assert.equal(err.reason, "unusable");
      assert.match(
        err.message,
        /^The installed Pulumi CLI cannot be used: Failed to parse Pulumi CLI version/,
      );
      return true;
    });
  });

  it("passes other errors through unchanged", () => {
    const other = new Error("AccessDenied: not authorized");
    assert.equal(mapCliError(other), other);
  });
});
