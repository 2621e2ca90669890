// The agent's env contract (components/contract/agentEnv.ts): what the agent accepts, what it refuses and how the
// refusal reads (the variable, the bad value, what is allowed), and that what the component renders is accepted.
// These are the validation cases the shell entrypoint's test held, now against the contract both sides share.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  AGENT_ENV_VARIABLES,
  AgentEnvError,
  DEFAULT_CAPTURE_MARK,
  DEFAULT_METRICS_PORT,
  nodeAgentEnvironment,
  NodeAgentSettings,
  parseAgentEnv,
  sidecarEnvironment,
  SidecarAgentSettings,
} from "../../components/contract/agentEnv";
import { DEFAULT_UNSUPPORTED_INSTANCE_TYPES } from "../../components/contract/mirrorableInstanceTypes";

const VALID: Record<string, string> = {
  EXTRAHOP_SENSOR_IP: "10.0.9.9,10.0.9.10",
  RPCAPD_TARGET_PORT: "2003",
  PODNET: "10.0.0.0/16,100.64.0.0/16",
  SVCNET: "172.20.0.0/16",
  VPC_MIRRORING: "false",
  NODE_NAME: "ip-10-0-1-23.ec2.internal",
};
const SIDECAR: Record<string, string> = {
  AGENT_ROLE: "sidecar",
  EXTRAHOP_SENSOR_IP: "10.0.9.9",
  RPCAPD_TARGET_PORT: "2003",
  POD_IP: "10.0.44.5",
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseAgentEnv(env);
  } catch (e) {
    assert.ok(e instanceof AgentEnvError, String(e));
    return e.problems;
  }
  return [];
}

const node = (env: Record<string, string | undefined>): NodeAgentSettings =>
  parseAgentEnv(env) as NodeAgentSettings;

describe("agent env contract: node role", function () {
  it("accepts the DaemonSet's minimal env and applies the documented defaults", function () {
    const s = node(VALID);
    assert.strictEqual(s.role, "node");
    assert.deepStrictEqual(s.sensors, ["10.0.9.9", "10.0.9.10"]);
    assert.strictEqual(s.sensorPort, 2003);
    assert.deepStrictEqual(s.serviceCidrs, ["172.20.0.0/16"]);
    assert.strictEqual(s.vpcMirroring, false);
    assert.strictEqual(s.agentNamespace, "extrahop");
    assert.strictEqual(s.agentSelector, "component=extrahop-rpcapd");
    assert.strictEqual(s.sidecarContainerName, "extrahop-rpcapd");
    assert.strictEqual(s.rpcapdBin, "/usr/local/bin/rpcapd");
    assert.strictEqual(s.readyFile, "/tmp/ready");
    assert.strictEqual(s.shutdownDelaySeconds, 5);
    assert.strictEqual(s.sensorGraceSeconds, 90);
    assert.strictEqual(s.sensorCheckIntervalSeconds, 5);
    assert.strictEqual(s.metricsPort, DEFAULT_METRICS_PORT);
    assert.strictEqual(s.datapath, "auto");
    assert.strictEqual(s.uplinkIfnames, undefined);
    assert.strictEqual(s.mirrorSettleSeconds, 360);
    assert.deepStrictEqual(s.nodePortRange, { min: 30000, max: 32767 });
    assert.deepStrictEqual(s.mirrorExcludedCidrs, []);
    assert.deepStrictEqual(s.amazonDnsIps, ["169.254.169.253"]);
    assert.strictEqual(s.mirrorAmazonDns, true);
    assert.deepStrictEqual(s.unsupportedInstanceTypes, DEFAULT_UNSUPPORTED_INSTANCE_TYPES);
    assert.strictEqual(s.captureDevice, "ehcap0");
    assert.strictEqual(s.capturePeer, "ehcap1");
    assert.strictEqual(s.captureDeviceKind, "auto");
    assert.strictEqual(s.clonePath, "auto");
    assert.strictEqual(s.captureMark, DEFAULT_CAPTURE_MARK);
    assert.strictEqual(s.kubeApiUrl, "https://kubernetes.default.svc");
  });

  it("takes the API address from KUBERNETES_SERVICE_HOST/PORT (what hostNetwork pods get), KUBE_API_URL first", function () {
    assert.strictEqual(
      node({ ...VALID, KUBERNETES_SERVICE_HOST: "172.20.0.1", KUBERNETES_SERVICE_PORT: "443" }).kubeApiUrl,
      "https://172.20.0.1:443",
    );
    assert.strictEqual(
      node({ ...VALID, KUBERNETES_SERVICE_HOST: "172.20.0.1", KUBE_API_URL: "http://10.77.9.10:8080/" })
        .kubeApiUrl,
      "http://10.77.9.10:8080",
    );
  });

  it("accepts blanks around list items and drops repeated sensors", function () {
    const s = node({
      ...VALID,
      EXTRAHOP_SENSOR_IP: " 10.0.9.9 , 10.0.9.10, 10.0.9.9",
      PODNET: "10.0.0.0/16, 100.64.0.0/10",
    });
    assert.deepStrictEqual(s.sensors, ["10.0.9.9", "10.0.9.10"]);
    assert.deepStrictEqual(s.podCidrs, ["10.0.0.0/16", "100.64.0.0/10"]);
  });

  it("parses the mirroring inputs", function () {
    const s = node({
      ...VALID,
      VPC_MIRRORING: "true",
      MIRROR_SETTLE: "0",
      NODEPORT_RANGE: "30000-30100",
      MIRROR_EXCLUDED_CIDRS: "10.0.128.0/20",
      AMAZON_DNS_IPS: "10.0.0.2,169.254.169.253",
      MIRROR_AMAZON_DNS: "false",
      UNSUPPORTED_INSTANCE_TYPES: '["t2.*","*.metal*"]',
      UPLINK_IFNAMES: "eth*,bond0",
      CAPTURE_MARK: "0x80000000",
    });
    assert.strictEqual(s.vpcMirroring, true);
    assert.strictEqual(s.mirrorSettleSeconds, 0);
    assert.deepStrictEqual(s.nodePortRange, { min: 30000, max: 30100 });
    assert.deepStrictEqual(s.mirrorExcludedCidrs, ["10.0.128.0/20"]);
    assert.deepStrictEqual(s.amazonDnsIps, ["10.0.0.2", "169.254.169.253"]);
    assert.strictEqual(s.mirrorAmazonDns, false);
    assert.deepStrictEqual(s.unsupportedInstanceTypes, ["t2.*", "*.metal*"]);
    assert.deepStrictEqual(s.uplinkIfnames, ["eth*", "bond0"]);
    assert.strictEqual(s.captureMark, 0x80000000);
  });

  for (const name of Object.keys(VALID).filter((n) => n !== "PODNET")) {
    it(`refuses a missing ${name}, naming it and saying what is allowed`, function () {
      const p = problems({ ...VALID, [name]: undefined });
      assert.strictEqual(p.length, 1, p.join("\n"));
      assert.match(p[0], new RegExp(`^${name} is required but not set; allowed: .+`));
    });
    it(`treats an empty ${name} as missing`, function () {
      assert.match(problems({ ...VALID, [name]: "" }).join("\n"), new RegExp(`^${name} is required`));
    });
  }

  const malformed: [string, string][] = [
    ["EXTRAHOP_SENSOR_IP", "10.0.9"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.256"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.9,,10.0.9.10"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.9, ,10.0.9.10"],
    ["EXTRAHOP_SENSOR_IP", "sensor.example.com"],
    ["EXTRAHOP_SENSOR_IP", "10.0.9.09"],
    ["EXTRAHOP_SENSOR_IP", "fd00::1"],
    ["EXTRAHOP_SENSOR_IP", Array.from({ length: 11 }, (_, i) => `10.0.9.${i + 1}`).join(",")],
    ["RPCAPD_TARGET_PORT", "0"],
    ["RPCAPD_TARGET_PORT", "65536"],
    ["RPCAPD_TARGET_PORT", "20o3"],
    ["RPCAPD_TARGET_PORT", "02003"],
    ["PODNET", "10.0.0.0"],
    ["PODNET", "10.0.0.0/33"],
    ["PODNET", "10.0.1.0/16"],
    ["PODNET", "10.0.0.0/16;rm -rf /"],
    ["PODNET", "10.0.0.0/16,"],
    ["SVCNET", "172.20.0.0/ 16"],
    ["SVCNET", "fd00::/108"],
    ["VPC_MIRRORING", "yes"],
    ["VPC_MIRRORING", "TRUE"],
    ["NODE_NAME", "Node_1"],
    ["NODE_NAME", "-node"],
    ["NODE_NAME", "a".repeat(254)],
    ["RPCAPD_BIN", "rpcapd"],
    ["AGENT_SELECTOR", "component"],
    ["AGENT_SELECTOR", "a=b,c=d"],
    ["AGENT_NAMESPACE", "Extrahop"],
    ["SHUTDOWN_DELAY", "-1"],
    ["SHUTDOWN_DELAY", "05"],
    ["SHUTDOWN_DELAY", "3601"],
    ["SENSOR_GRACE", "0"],
    ["SENSOR_GRACE", "90s"],
    ["SENSOR_GRACE", "-1"],
    ["SENSOR_GRACE", "999999999999999999999"],
    ["SENSOR_CHECK_INTERVAL", "0"],
    ["SENSOR_CHECK_INTERVAL", "1.5"],
    ["SENSOR_CHECK_INTERVAL", "120"],
    ["METRICS_PORT", "70000"],
    ["LOG_LEVEL", "trace"],
    ["CAPTURE_DEV", 'ehcap0" accept'],
    ["CAPTURE_DEV", "a-very-long-interface-name"],
    ["CAPTURE_PEER", "ehcap0"],
    ["CAPTURE_DEVICE_KIND", "dummy"],
    ["CLONE_PATH", "tc"],
    ["CAPTURE_MARK", "0x3"],
    ["CAPTURE_MARK", "4096"],
    ["CAPTURE_MARK", "0x0"],
    ["UPLINK_IFNAMES", 'eth*" } accept'],
    ["UPLINK_IFNAMES", "eth0;rm"],
    ["DATAPATH", "weave"],
    ["HOST_LOCAL_POD_CIDRS", "yes"],
    ["MIRROR_SETTLE", "6m"],
    ["NODEPORT_RANGE", "32767-30000"],
    ["NODEPORT_RANGE", "30000"],
    ["NODEPORT_RANGE", "30000-70000"],
    ["MIRROR_EXCLUDED_CIDRS", "10.0.0.1/16"],
    ["AMAZON_DNS_IPS", "10.0.0.2/32"],
    ["MIRROR_AMAZON_DNS", "on"],
    ["UNSUPPORTED_INSTANCE_TYPES", '["t2.*", 3]'],
    ["UNSUPPORTED_INSTANCE_TYPES", "t2.*;m1.*"],
    ["KUBE_API_URL", "kubernetes.default.svc"],
    ["KUBE_API_URL", "ftp://10.0.0.1"],
    ["KUBE_TOKEN_FILE", "token"],
  ];
  for (const [name, value] of malformed) {
    const shown = value.length > 40 ? value.slice(0, 40) + "..." : value;
    it(`refuses ${name}=${JSON.stringify(shown)}, quoting the value and saying what is allowed`, function () {
      const p = problems({ ...VALID, [name]: value });
      assert.strictEqual(p.length, 1, p.join("\n"));
      assert.ok(p[0].startsWith(`${name}: "`), p[0]);
      assert.ok(p[0].includes(JSON.stringify(value.slice(0, 20)).slice(0, -1)), `value not quoted: ${p[0]}`);
      assert.match(p[0], /; allowed: .+/);
    });
  }

  it("reports every problem at once, not just the first", function () {
    const p = problems({ ...VALID, RPCAPD_TARGET_PORT: "0", VPC_MIRRORING: "yes", NODE_NAME: undefined });
    assert.deepStrictEqual(
      p.map((x) => x.split(/[: ]/)[0]),
      ["RPCAPD_TARGET_PORT", "VPC_MIRRORING", "NODE_NAME"],
    );
  });

  it("refuses an unknown role", function () {
    assert.match(
      problems({ ...VALID, AGENT_ROLE: "daemon" }).join(),
      /^AGENT_ROLE: "daemon" is not allowed; allowed: node or sidecar/,
    );
  });
});

describe("agent env contract: sidecar role", function () {
  it("accepts the sidecar's env without the node agent's variables", function () {
    const s = parseAgentEnv(SIDECAR) as SidecarAgentSettings;
    assert.strictEqual(s.role, "sidecar");
    assert.strictEqual(s.podIp, "10.0.44.5");
    assert.strictEqual(s.podInterface, "eth0");
    assert.deepStrictEqual(s.fargateCidrs, []);
  });

  it("requires POD_IP and validates FARGATE_CIDRS", function () {
    assert.match(problems({ ...SIDECAR, POD_IP: undefined }).join(), /^POD_IP is required/);
    assert.match(
      problems({ ...SIDECAR, FARGATE_CIDRS: "10.1.0.0/8" }).join(),
      /^FARGATE_CIDRS: "10.1.0.0\/8" has/,
    );
  });
});

describe("agent env contract: what the component renders", function () {
  it("renders the node agents' literal env, which the agent accepts (NODE_NAME comes from the downward API)", function () {
    const env = nodeAgentEnvironment({
      sensorIps: ["10.0.9.9"],
      sensorPort: 2003,
      serviceCidrs: ["172.20.0.0/16"],
      podCidrs: ["10.0.0.0/16"],
      vpcMirroring: true,
      mirrorSettleSeconds: 420,
      mirrorExcludedCidrs: ["10.0.128.0/20"],
      amazonDnsIps: ["10.0.0.2", "169.254.169.253"],
      mirrorAmazonDns: true,
      unsupportedInstanceTypes: ["t2.*"],
    });
    assert.strictEqual(env.NODE_NAME, undefined);
    const s = node({ ...env, NODE_NAME: "ip-10-0-1-23.ec2.internal" });
    assert.strictEqual(s.vpcMirroring, true);
    assert.strictEqual(s.mirrorSettleSeconds, 420);
    assert.deepStrictEqual(s.unsupportedInstanceTypes, ["t2.*"]);
    assert.deepStrictEqual(s.amazonDnsIps, ["10.0.0.2", "169.254.169.253"]);
  });

  it("refuses, at render time, what the agent would refuse, naming the variable", function () {
    assert.throws(
      () =>
        nodeAgentEnvironment({
          sensorIps: [],
          sensorPort: 2003,
          serviceCidrs: ["172.20.0.0/16"],
          vpcMirroring: false,
        }),
      (e: unknown) => e instanceof AgentEnvError && /^EXTRAHOP_SENSOR_IP is required/.test(e.problems[0]),
    );
    assert.throws(
      () =>
        nodeAgentEnvironment({
          sensorIps: ["10.0.9.9"],
          sensorPort: 70000,
          serviceCidrs: ["10.0.0.1/16"],
          vpcMirroring: false,
        }),
      (e: unknown) =>
        e instanceof AgentEnvError &&
        e.problems.some((p) => p.startsWith("RPCAPD_TARGET_PORT:")) &&
        e.problems.some((p) => p.startsWith("SVCNET:")),
    );
  });

  it("renders the sidecar's env (POD_IP from the downward API)", function () {
    const env = sidecarEnvironment({
      sensorIps: ["10.0.9.9"],
      sensorPort: 2003,
      fargateCidrs: ["10.0.200.0/22"],
      metricsPort: 19477,
    });
    assert.deepStrictEqual(env, {
      AGENT_ROLE: "sidecar",
      EXTRAHOP_SENSOR_IP: "10.0.9.9",
      RPCAPD_TARGET_PORT: "2003",
      FARGATE_CIDRS: "10.0.200.0/22",
      METRICS_PORT: "19477",
    });
  });
});

describe("agent env contract: documentation", function () {
  it("docs/agent.md documents every variable of the contract", function () {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "agent.md"), "utf8");
    const missing = AGENT_ENV_VARIABLES.filter((v) => !doc.includes(`\`${v.name}\``)).map((v) => v.name);
    assert.deepStrictEqual(missing, []);
  });
});
