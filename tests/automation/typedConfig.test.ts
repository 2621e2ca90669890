/**
 * The embedding config: the stack config map it writes reads back through `readStackConfig` as the same config,
 * the config files the CLI accepts and the errors it gives, and the prod example stack.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigFileError,
  readConfigFile,
  staleProjectKeys,
  toStackConfigMap,
  type PodPacketForwardingConfig,
} from "../../automation/config";
import { parseStackConfig } from "../../components/config";
import { installPulumiMocks } from "../../harness/pulumi/mocks";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { readStackConfig } from "../../stackConfig";
import { prodExample, ROOT } from "./helpers";

/** Every key of the schema, with non-default values. */
const FULL: PodPacketForwardingConfig = {
  clusterName: "prod-eks",
  sensorIps: ["10.20.200.10", "10.20.200.11"],
  sensorPort: 2004,
  podCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
  serviceCidrs: ["172.20.0.0/16"],
  mirrorTarget: { gatewayLoadBalancerEndpointId: "vpce-0123456789abcdef0" },
  rpcapdPackage: "vendor/rpcapd_9.6.0_amd64.deb",
  agentImage: `registry.example.com/rpcapd@sha256:${"c".repeat(64)}`,
  namespace: "sensors",
  excludeNodeLabel: "example.com/no-tap",
  mirrorSessionNumber: 7,
  mirrorPacketLength: 128,
  mirrorVni: 4242,
  mirroredOnlyCidrs: ["100.64.0.0/16"],
  mirrorAmazonDns: false,
  mirrorUnsupportedInstanceTypes: ["t2.*", "*.metal"],
  reconcileSchedule: "rate(2 minutes)",
  imagePlatform: "linux/arm64",
  kubeconfig: '{"apiVersion":"v1"}',
  tags: { team: "secops", "cost-center": "4711" },
};

describe("automation: config", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-config-"));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    pulumi.runtime.setAllConfig({});
  });

  it("writes every key so that readStackConfig reads back the same configuration (strings stay strings)", async () => {
    assert.equal(
      Object.keys(FULL).length,
      Object.keys((await import("../../components/config")).stackConfigSchema.innerType().shape).length,
      "FULL covers every key",
    );
    const map = toStackConfigMap(FULL, "eu-central-1");
    assert.deepEqual(map["pod-packet-forwarding:kubeconfig"], { value: '{"apiVersion":"v1"}', secret: true });
    assert.deepEqual(map["pod-packet-forwarding:sensorPort"], { value: "2004", secret: false });
    assert.deepEqual(map["aws:region"], { value: "eu-central-1", secret: false });
    assert.deepEqual(
      Object.entries(map)
        .filter(([, v]) => v.secret)
        .map(([k]) => k),
      ["pod-packet-forwarding:kubeconfig"],
    );
    // The kubeconfig above is JSON text: it must reach the program as that text, not as a parsed object.
    await installPulumiMocks(sampleWorld());
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value])));
    const back = readStackConfig();
    assert.deepEqual(back, FULL);
    assert.deepEqual(parseStackConfig(back), parseStackConfig(FULL));
  });

  it("lists the project keys to remove, and only those", () => {
    const next = toStackConfigMap({
      sensorIps: ["10.0.200.10"],
      clusterName: "demo",
      rpcapdPackage: "a.deb",
    });
    assert.deepEqual(
      staleProjectKeys(
        [
          "aws:region",
          "pod-packet-forwarding:sensorIps",
          "pod-packet-forwarding:mirrorTarget",
          "pod-packet-forwarding:tags",
          "other:x",
        ],
        next,
      ),
      ["pod-packet-forwarding:mirrorTarget", "pod-packet-forwarding:tags"],
    );
  });

  describe("config files", () => {
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
        region: undefined,
      });
      const yaml = write("c.yml", "clusterName: demo\nsensorIps:\n  - 10.0.200.10\nsensorPort: 2003\n");
      assert.deepEqual(readConfigFile(yaml), {
        config: { clusterName: "demo", sensorIps: ["10.0.200.10"], sensorPort: 2003 },
        region: undefined,
      });
    });

    it("reads a stack file as it is, and the prod example passes the schema", () => {
      const { config, region } = readConfigFile(path.join(ROOT, "Pulumi.prod.example.yaml"));
      assert.equal(region, "us-east-1");
      const parsed = parseStackConfig(config);
      assert.deepEqual(parsed.sensorIps, ["10.20.200.10", "10.20.200.11", "10.20.200.12"]);
      assert.deepEqual(parsed.mirrorTarget, {
        networkLoadBalancerArn:
          "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/extrahop-sensors/50dc6c495c0c9188",
      });
      assert.deepEqual(parsed.mirroredOnlyCidrs, ["100.64.0.0/16"]);
      assert.deepEqual(parsed.tags, { environment: "prod", team: "secops", "cost-center": "4711" });
      assert.equal(parsed.kubeconfig, undefined, "the kubeconfig secret is only a commented placeholder");
      // What differs from dev: more sensors, mirroring, dedup ranges, tags.
      const dev = parseStackConfig(readConfigFile(path.join(ROOT, "Pulumi.dev.yaml")).config);
      assert.equal(dev.sensorIps.length, 1);
      assert.equal(dev.mirrorTarget, undefined);
      assert.deepEqual(Object.keys(prodExample()), [
        "aws:region",
        "pod-packet-forwarding:clusterName",
        "pod-packet-forwarding:sensorIps",
        "pod-packet-forwarding:sensorPort",
        "pod-packet-forwarding:rpcapdPackage",
        "pod-packet-forwarding:mirrorTarget",
        "pod-packet-forwarding:mirroredOnlyCidrs",
        "pod-packet-forwarding:mirrorSessionNumber",
        "pod-packet-forwarding:tags",
      ]);
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
        message: new RegExp(`^config file ${badYaml}: is not valid YAML: \\S`),
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
      fails(
        write(
          "foreign.yaml",
          "config:\n  aws:profile: ops\n  kubernetes:context: prod\n  pod-packet-forwarding:clusterName: demo\n",
        ),
        `config file ${path.join(tmp, "foreign.yaml")}: keys of other namespaces are not supported: aws:profile, kubernetes:context`,
      );
      fails(
        write("secure.yaml", "config:\n  pod-packet-forwarding:kubeconfig:\n    secure: AAABAJ\n"),
        `config file ${path.join(tmp, "secure.yaml")}: pod-packet-forwarding:kubeconfig is a Pulumi-encrypted value (secure:); give the plain value (the API stores it as a secret)`,
      );
      const dir = path.join(tmp, "adir.json");
      fs.mkdirSync(dir);
      fails(dir, `config file ${dir}: cannot be read (EISDIR)`);
    });
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
