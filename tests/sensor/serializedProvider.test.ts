/**
 * The provider as Pulumi ships it: serialized with `pulumi.runtime.serializeFunction` (what
 * `pulumi.dynamic.Resource` stores in `__provider`), loaded the way the dynamic provider host loads it
 * (`require-from-string`, then `.handler()`; @pulumi/pulumi cmd/dynamic-provider/index.js), in a plain `node`
 * process without ts-node, and run against the fake sensor. Proves the serialized code carries what it needs
 * (and nothing large), including the failure paths.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { sensorProvider } from "../../components/sensor/sensorProvider";
import { startFakeExtraHop, type FakeExtraHop } from "../../harness/extrahop/fakeExtraHop";
import { OTHERS_RULE, sampleRunningConfig } from "../../harness/extrahop/sampleRunningConfig";
import { inputsFor, rpcapOf } from "./helpers";

const repoRoot = path.resolve(__dirname, "../..");

/** Loads the serialized provider in a fresh node process and runs one method; its JSON result or error. */
const HOST = `
const fs = require("node:fs");
const requireFromString = require("require-from-string");
const [file, method, argsJson] = process.argv.slice(1);
const provider = requireFromString(fs.readFileSync(file, "utf8")).handler();
provider[method](...JSON.parse(argsJson)).then(
  (result) => process.stdout.write(JSON.stringify({ result: result === undefined ? null : result })),
  (error) => process.stdout.write(JSON.stringify({ error: error.message })),
);
`;

describe("sensor: the serialized provider, run as the dynamic provider host runs it", function () {
  this.timeout(60000);
  let dir: string;
  let file: string;
  let text: string;
  let fake: FakeExtraHop;

  before(async () => {
    // A real program loads tslib (through the AWS SDK), which puts its helpers on the global object; the
    // serializer then treats them as globals the provider host would not have.
    await import("tslib");
    assert.equal(typeof (globalThis as Record<string, unknown>).__importStar, "function");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-sensor-provider-"));
    file = path.join(dir, "provider.js");
    text = (await pulumi.runtime.serializeFunction(() => sensorProvider, { allowSecrets: true })).text;
    fs.writeFileSync(file, text);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    fake = await startFakeExtraHop({ runningConfig: sampleRunningConfig() });
  });
  afterEach(() => fake.stop());

  async function run(method: string, ...args: unknown[]): Promise<{ result?: unknown; error?: string }> {
    // Asynchronous: the fake sensor answers from this process while the child runs.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["-e", HOST, file, method, JSON.stringify(args)],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    return JSON.parse(stdout) as { result?: unknown; error?: string };
  }

  it("carries our code and Node's https client by name, not the Pulumi SDK or other libraries", () => {
    const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    // The serializer names built-in modules without the node: prefix.
    assert.deepEqual([...new Set(required)], ["https"]);
    assert.ok(text.length < 100_000, `serialized provider is ${text.length} characters`);
  });

  it("creates and deletes exactly our rules", async () => {
    const inputs = inputsFor(fake);
    const created = await run("create", inputs);
    assert.equal(created.error, undefined);
    const { id, outs } = created.result as { id: string; outs: Record<string, unknown> };
    assert.equal(rpcapOf(fake.running()).rules.length, 3);

    const deleted = await run("delete", id, outs);
    assert.equal(deleted.error, undefined);
    assert.deepEqual(rpcapOf(fake.running()), { enabled: true, rules: [OTHERS_RULE] });
  });

  it("reports a certificate failure naming tls", async () => {
    const { error } = await run("create", inputsFor(fake, { tls: {} }));
    assert.match(error ?? "", /^tls: could not verify the certificate/);
  });

  it("checks inputs", async () => {
    const bad = inputsFor(fake, { forwardingRules: [{ port: 70000, interfaceAddress: "10.0.0.1/16" }] });
    const { result } = await run("check", {}, bad);
    assert.deepEqual(
      (result as { failures: { property: string }[] }).failures.map((f) => f.property),
      ["forwardingRules[0].port", "forwardingRules[0].interfaceAddress"],
    );
  });
});
