/**
 * The embedding API's configuration object: checked with the component's rules in config words, written to the stack
 * so that the stack adapter's `readStackConfig` reads back the same configuration, and stale keys removed.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  staleProjectKeys,
  toStackConfigMap,
  validateConfig,
  type PodPacketForwardingConfig,
} from "../../adapters/automation/typedConfig";
import { ConfigError, readStackConfig } from "../../adapters/stack/stackConfig";
import { argsSchema } from "../../components/validation";
import { installPulumiMocks } from "../../harness/pulumi/mocks";
import { sampleWorld } from "../../harness/aws/sampleCluster";
import { standInPackage } from "./helpers";

/** Every argument of the component under its config name, with non-default values. */
const FULL: Required<PodPacketForwardingConfig> = {
  clusterName: "prod-eks",
  kubeconfig: '{"apiVersion":"v1"}',
  sensorIps: ["10.20.200.10", "10.20.200.11"],
  sensorPort: 2004,
  podCidrs: ["10.0.0.0/16", "100.64.0.0/16"],
  serviceCidrs: ["172.20.0.0/16"],
  datapath: "vpc-cni",
  mirrorTarget: { gatewayLoadBalancerEndpointId: "vpce-0123456789abcdef0" },
  mirrorSessionNumber: 7,
  mirrorPacketLength: 128,
  mirrorVni: 4242,
  mirrorAmazonDns: false,
  mirrorUnsupportedInstanceTypes: ["t2.*", "*.metal"],
  reconcileSchedule: "rate(2 minutes)",
  fargateCidrs: ["10.0.64.0/20"],
  mirroredOnlyCidrs: ["100.64.0.0/16"],
  rpcapdPackage: "vendor/rpcapd_9.6.0_amd64.deb",
  agentImage: `registry.example.com/rpcapd@sha256:${"c".repeat(64)}`,
  imageRegistry: { repository: "registry.example.com/secops/extrahop-rpcapd", username: "u", password: "p" },
  imagePlatform: "linux/arm64",
  namespace: "sensors",
  createNamespace: false,
  excludeNodeLabel: "example.com/no-tap",
  tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
  nodeSelector: { "kubernetes.io/os": "linux" },
  resources: { requests: { cpu: "50m" }, limits: { memory: "512Mi" } },
  priorityClassName: "system-cluster-critical",
  coverageReport: false,
  fargateProfiles: [{ name: "fp", selectors: [{ namespace: "serverless" }] }],
  sensorSecurityGroupId: "sg-0123456789abcdef0",
  podSecurityGroupIds: ["sg-0fedcba9876543210"],
  mirrorTargetSecurityGroupId: "sg-0aaaabbbbccccdddd",
  sensorDataPorts: { from: 1024, to: 65535 },
  sensorApis: [{ apiUrl: "https://sensor.example.com", apiKey: "k", addToRemoteDiscovery: true }],
  tags: { team: "secops", "cost-center": "4711" },
};

describe("automation: typed configuration", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-config-"));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    pulumi.runtime.setAllConfig({});
  });

  it("covers every argument of the component (clusterName for cluster)", () => {
    const args = Object.keys(argsSchema.shape).map((k) => (k === "cluster" ? "clusterName" : k));
    assert.deepEqual(Object.keys(FULL).sort(), args.sort());
  });

  it("writes every key so that readStackConfig reads back the same configuration (strings stay strings)", async () => {
    await installPulumiMocks(sampleWorld());
    const map = toStackConfigMap(FULL, "eu-west-1");
    assert.deepEqual(map["aws:region"], { value: "eu-west-1", secret: false });
    assert.deepEqual(map["pod-packet-forwarding:kubeconfig"], { value: FULL.kubeconfig, secret: true });
    assert.equal(map["pod-packet-forwarding:namespace"].value, "sensors", "a string is not JSON-quoted");
    assert.equal(map["pod-packet-forwarding:sensorPort"].value, "2004");
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value])),
      Object.entries(map)
        .filter(([, v]) => v.secret)
        .map(([k]) => k),
    );
    assert.deepEqual(readStackConfig("pod-packet-forwarding"), FULL);
  });

  it("lists the project keys to remove, and only those", () => {
    const next = toStackConfigMap({ clusterName: "demo", sensorIps: ["10.0.200.10"] }, "us-east-1");
    assert.deepEqual(
      staleProjectKeys(
        [
          "aws:region",
          "aws:profile",
          "pod-packet-forwarding:clusterName",
          "pod-packet-forwarding:mirrorTarget",
          "pod-packet-forwarding:tags",
          "other-project:tags",
        ],
        next,
      ),
      ["pod-packet-forwarding:mirrorTarget", "pod-packet-forwarding:tags"],
    );
  });

  describe("validateConfig", () => {
    const problems = (raw: unknown, projectDir = tmp): string[] => {
      try {
        validateConfig(raw, projectDir);
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
      }
      return [];
    };

    it("accepts a minimal EKS configuration with an existing package, relative to the project folder", () => {
      standInPackage(tmp);
      assert.deepEqual(
        problems({
          clusterName: "demo",
          sensorIps: ["10.0.200.10"],
          rpcapdPackage: "rpcapd_9.6.0_amd64.deb",
        }),
        [],
      );
    });

    it("reports every problem at once in config words, nested typos with the nested keys, package included", () => {
      const got = problems({
        clusterName: "demo",
        sensorIps: ["10.0.200.10", "10.0.200.300"],
        sensorPort: 70000,
        sensorPrt: 1,
        mirrorTarget: { networkLoadBalancerARN: "arn" },
        rpcapdPackage: "missing/rpcapd.deb",
      });
      for (const expected of [
        'sensorIps[1]: "10.0.200.300" is not an IPv4 address (expected a dotted quad such as 10.0.12.7)',
        "sensorPort: 70000 must be between 1 and 65535",
        "mirrorTarget: unknown key(s) networkLoadBalancerARN (allowed: networkInterfaceId, networkLoadBalancerArn, gatewayLoadBalancerEndpointId)",
        `unknown key(s) sensorPrt (allowed: ${Object.keys(argsSchema.shape)
          .map((k) => (k === "cluster" ? "clusterName" : k))
          .join(", ")})`,
        `rpcapdPackage: "missing/rpcapd.deb" does not exist (resolved to ${path.join(tmp, "missing/rpcapd.deb")}); download the ExtraHop rpcapd .deb or Linux .tar.gz and point rpcapdPackage at it`,
      ]) {
        assert.ok(got.includes(expected), `missing ${expected} in\n${got.join("\n")}`);
      }
      assert.match(got[got.length - 1], /^rpcapdPackage: /, "the package file is checked last");
    });

    it("names the cluster key as the stack file does, and refuses what is not an object", () => {
      assert.deepEqual(
        problems({ sensorIps: ["10.0.200.10"], agentImage: `r.example/a@sha256:${"a".repeat(64)}` }),
        [
          "kubeconfig: is required without an EKS cluster (clusterName), unless a kubernetes provider is passed in the resource options",
        ],
      );
      assert.deepEqual(problems(["clusterName"]), [
        'config: must be an object of config keys, got ["clusterName"]',
      ]);
    });
  });
});
