/**
 * Config files for the command line and the plan: plain keys in JSON or YAML, or a stack file as the Pulumi CLI
 * reads it (namespaced keys, `aws:region`, the stack file's other fields), and one clear message per mistake.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigFileError, plainProjectConfig, readConfigFile } from "../../adapters/automation/configFile";
import { checkConfig } from "../../adapters/stack/stackConfig";
import { ROOT } from "./helpers";

describe("automation: config files", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-configfile-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const fails = (file: string, message: string) =>
    assert.throws(
      () => readConfigFile(file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigFileError, String(err));
        assert.equal(err.message, message);
        return true;
      },
    );

  it("reads plain keys from JSON and YAML", () => {
    const json = write("c.json", JSON.stringify({ clusterName: "demo", sensorIps: ["10.0.200.10"] }));
    assert.deepEqual(readConfigFile(json), {
      config: { clusterName: "demo", sensorIps: ["10.0.200.10"] },
      encrypted: [],
      otherNamespaces: {},
    });
    const yaml = write("c.yml", "clusterName: demo\nsensorIps:\n  - 10.0.200.10\nsensorPort: 2003\n");
    assert.deepEqual(readConfigFile(yaml).config, {
      clusterName: "demo",
      sensorIps: ["10.0.200.10"],
      sensorPort: 2003,
    });
  });

  it("reads every shipped stack file as the CLI would pass it, and each passes the component's rules", () => {
    for (const name of ["Pulumi.dev.yaml", "Pulumi.prod.example.yaml"]) {
      const read = readConfigFile(path.join(ROOT, name));
      assert.equal(read.region, "us-east-1", name);
      assert.ok(Array.isArray(read.config.sensorIps), `${name} has sensorIps`);
      assert.deepEqual(Object.keys(read.otherNamespaces), [], name);
      checkConfig(read.config);
    }
  });

  it("reads a stack file with its encryption fields, encrypted values and other namespaces apart", () => {
    const file = write(
      "Pulumi.prod.yaml",
      [
        "encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2hlY2s=",
        "config:",
        "  aws:region: eu-west-1",
        "  aws:profile: ops",
        "  pod-packet-forwarding:clusterName: prod-eks",
        "  pod-packet-forwarding:sensorIps: [10.0.200.10]",
        "  pod-packet-forwarding:kubeconfig:",
        "    secure: v1:bm9uY2U=:Y2lwaGVy",
        "",
      ].join("\n"),
    );
    const read = readConfigFile(file);
    assert.deepEqual(read, {
      config: { clusterName: "prod-eks", sensorIps: ["10.0.200.10"] },
      region: "eu-west-1",
      encrypted: ["kubeconfig"],
      otherNamespaces: { "aws:profile": "ops" },
    });
    assert.throws(() => plainProjectConfig(file, read), {
      name: "ConfigFileError",
      message: `config file ${file}: kubeconfig: Pulumi-encrypted value(s) (secure:); give the plain value (the API stores it as a secret)`,
    });
    assert.throws(() => plainProjectConfig(file, { ...read, encrypted: [] }), {
      message: `config file ${file}: keys of other namespaces are not supported: aws:profile (only pod-packet-forwarding:* and aws:region)`,
    });
  });

  it("takes a top-level key named config as a config key when the file is not a stack file", () => {
    const file = write("odd.yaml", "config:\n  a: 1\nsensorIps: [10.0.200.10]\n");
    assert.deepEqual(readConfigFile(file).config, { config: { a: 1 }, sensorIps: ["10.0.200.10"] });
  });

  it("says what is wrong with a missing, unparsable or misshapen file", () => {
    fails(
      path.join(tmp, "nope.json"),
      `config file ${path.join(tmp, "nope.json")}: does not exist (resolved to ${path.join(tmp, "nope.json")})`,
    );
    fails(
      write("bad.json", '{"clusterName": "demo",}'),
      `config file ${path.join(tmp, "bad.json")}: is not valid JSON: ${jsonError('{"clusterName": "demo",}')}`,
    );
    const badYaml = write("bad.yaml", "clusterName: demo\nsensorIps: [10.0.200.10\n");
    assert.throws(() => readConfigFile(badYaml), {
      name: "ConfigFileError",
      message: new RegExp(`^config file ${badYaml}: is not valid YAML: \\S[^\\n]*$`),
    });
    fails(
      write("list.yaml", "- 10.0.200.10\n"),
      `config file ${path.join(tmp, "list.yaml")}: must hold an object of config keys, got a list`,
    );
    fails(
      write("empty.yaml", ""),
      `config file ${path.join(tmp, "empty.yaml")}: must hold an object of config keys, got null`,
    );
    fails(
      write("region.yaml", "config:\n  aws:region: 5\n"),
      `config file ${path.join(tmp, "region.yaml")}: aws:region must be a string, got number 5`,
    );
    const dir = path.join(tmp, "adir.json");
    fs.mkdirSync(dir);
    fails(dir, `config file ${dir}: is a folder, not a file`);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail("expected invalid JSON");
}
