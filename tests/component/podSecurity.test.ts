/**
 * The Pod Security level of every pod template the component renders, decided by the port of the upstream
 * evaluator (`harness/kube/podSecurity`, kubernetes/kubernetes `staging/src/k8s.io/pod-security-admission/policy`
 * at dde51bfc48b109a0f311055843d4d81a1966e9da) rather than by reading the standard by hand:
 *
 * - the agent DaemonSet needs `privileged`, and the checks that keep it out of `baseline` are named one by one;
 *   both the DaemonSet (admission warns and audits on it) and the Pod its controller creates (admission enforces on
 *   that, after the API server's defaults) are evaluated;
 * - the Fargate sidecar, added to sample workloads by `components/fargate`, keeps a `baseline` workload at
 *   `baseline` and does not meet `restricted` itself, so a `restricted` workload drops to `baseline`.
 *
 * Verified only against the port and its upstream table tests and fixtures, not against a live API server.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  agentManifests,
  AGENT_POD_SECURITY_LEVEL,
  type AgentManifestInputs,
} from "../../components/agent/manifests";
import { DEFAULT_METRICS_PORT } from "../../components/contract/agentEnv";
import { DEFAULTS } from "../../components/defaults";
import { withFargateSidecar, type FargateSidecarArgs } from "../../components/fargate";
import { policyToEvaluate } from "../../harness/kube/podSecurity/api/policyToEvaluate";
import { Version } from "../../harness/kube/podSecurity/api/version";
import { podFromTemplate, withApiDefaults } from "../../harness/kube/podSecurity/apiDefaults";
import { podSecurityStanding } from "../../harness/kube/podSecurity/podSecurityLevel";
import { UPSTREAM } from "../../harness/kube/podSecurity/source";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/extrahop-rpcapd@sha256:${"a".repeat(64)}`;
const NEWEST_MINOR = Number(UPSTREAM.newestPolicyVersion.replace("v1.", ""));

const agentInputs: AgentManifestInputs = {
  namespace: DEFAULTS.namespace,
  createNamespace: true,
  image: IMAGE,
  environment: { EXTRAHOP_SENSOR_IP: "10.0.200.10", RPCAPD_TARGET_PORT: "2003" },
  excludeNodeLabel: DEFAULTS.excludeNodeLabel,
  architecture: "amd64",
  tolerations: DEFAULTS.tolerations,
  resources: DEFAULTS.resources,
  priorityClassName: DEFAULTS.priorityClassName,
  probes: { port: DEFAULT_METRICS_PORT, livenessPath: "/healthz", readinessPath: "/readyz" },
};

/** Every option that changes the DaemonSet, at once. */
const agentWithOptions: AgentManifestInputs = {
  ...agentInputs,
  createNamespace: false,
  namespace: "monitoring",
  architecture: "arm64",
  imagePullSecret: "extrahop-rpcapd-registry",
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }],
  nodeSelector: { "node.kubernetes.io/instance-type": "m7g.large" },
  resources: { requests: { cpu: "250m", memory: "256Mi" } },
  priorityClassName: "extrahop-critical",
  probes: { port: 19479, livenessPath: "/live", readinessPath: "/ready" },
};

type Json = Record<string, unknown>;

/** The DaemonSet as the JSON the provider sends (inputs here are plain already). */
function daemonSetOf(inputs: AgentManifestInputs): Json {
  return JSON.parse(JSON.stringify(agentManifests(inputs).daemonSet)) as Json;
}

function templateOf(workload: Json): Json {
  const spec = workload.spec as Json;
  return (spec.jobTemplate ? ((spec.jobTemplate as Json).spec as Json).template : spec.template) as Json;
}

/** Reasons with their details, as admission prints them: `host namespaces (hostNetwork=true)`. */
function violations(result: { forbiddenReasons: string[]; forbiddenDetails: string[] }): string[] {
  return result.forbiddenReasons.map((reason, i) =>
    result.forbiddenDetails[i] ? `${reason} (${result.forbiddenDetails[i]})` : reason,
  );
}

/** What keeps the agent out of `baseline` whatever the options: the reasons it runs as a privileged pod. */
const agentNeeds = (container: string) => [
  `non-default capabilities (container "${container}" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)`,
  "host namespaces (hostNetwork=true)",
];
/** From policy v1.34 baseline also forbids a probe `host`; the agent probes 127.0.0.1 (its endpoint's address). */
const probeHost = 'probe or lifecycle host (container "rpcapd" uses probe or lifecycle host "127.0.0.1")';

describe("Pod Security level of the rendered pod templates (upstream evaluator)", () => {
  describe("agent DaemonSet", () => {
    for (const [name, inputs] of [
      ["defaults", agentInputs],
      ["every option set", agentWithOptions],
    ] as const) {
      it(`${name}: the template needs privileged; baseline fails on capabilities, hostNetwork and the probe host only`, () => {
        const standing = podSecurityStanding(daemonSetOf(inputs));
        assert.equal(standing.level, AGENT_POD_SECURITY_LEVEL);
        const [capabilities, hostNetwork] = agentNeeds("rpcapd");
        assert.deepEqual(violations(standing.baseline), [capabilities, hostNetwork, probeHost]);
      });

      it(`${name}: the Pod the controller creates also gets hostPort = containerPort (hostNetwork defaulting)`, () => {
        const pod = podFromTemplate(templateOf(daemonSetOf(inputs)));
        const standing = podSecurityStanding(pod);
        assert.equal(standing.level, "privileged");
        const [capabilities, hostNetwork] = agentNeeds("rpcapd");
        assert.deepEqual(violations(standing.baseline), [
          capabilities,
          hostNetwork,
          `hostPort (container "rpcapd" uses hostPort ${inputs.probes.port})`,
          probeHost,
        ]);
      });
    }

    it("before policy v1.34 the template fails baseline for exactly hostNetwork and NET_ADMIN/NET_RAW", () => {
      for (let minor = 0; minor < 34; minor++) {
        const standing = podSecurityStanding(daemonSetOf(agentInputs), Version.majorMinor(1, minor));
        assert.deepEqual(violations(standing.baseline), agentNeeds("rpcapd"), `v1.${minor}`);
      }
      for (let minor = 34; minor <= NEWEST_MINOR; minor++) {
        const standing = podSecurityStanding(daemonSetOf(agentInputs), Version.majorMinor(1, minor));
        assert.deepEqual(violations(standing.baseline), [...agentNeeds("rpcapd"), probeHost], `v1.${minor}`);
      }
    });

    it("the namespace the component creates enforces privileged, so the agent's Pod is admitted", () => {
      const labels = (agentManifests(agentInputs).namespace?.metadata as { labels: Record<string, string> })
        .labels;
      const cluster = { level: "restricted" as const, version: Version.latestVersion() };
      const { policy, errors } = policyToEvaluate(labels, {
        enforce: cluster,
        audit: cluster,
        warn: cluster,
      });
      assert.deepEqual(errors, []);
      assert.deepEqual(
        [policy.enforce.level, policy.audit.level, policy.warn.level],
        ["privileged", "privileged", "privileged"],
      );
    });

    it("a change that breaks the agent's level would be caught (the evaluation can fail)", () => {
      const ds = daemonSetOf(agentInputs);
      const spec = templateOf(ds).spec as Json;
      spec.hostNetwork = false;
      const container = (spec.containers as Json[])[0];
      (container.securityContext as Json).capabilities = { drop: ["ALL"] };
      container.readinessProbe = undefined;
      container.livenessProbe = undefined;
      assert.equal(podSecurityStanding(JSON.parse(JSON.stringify(ds))).level, "baseline");
    });
  });

  describe("Fargate sidecar", () => {
    const sidecarArgs = (style?: FargateSidecarArgs["style"]): FargateSidecarArgs => ({
      fargateProfiles: [{ name: "apps", selectors: [{ namespace: "apps" }] }],
      image: IMAGE,
      sensorIps: ["10.0.200.10"],
      sensorPort: 2003,
      fargateCidrs: ["10.0.96.0/20"],
      style,
    });

    /** The workload as the transform leaves it, every Output resolved. */
    async function withSidecar(
      type: string,
      workload: Json,
      style?: FargateSidecarArgs["style"],
    ): Promise<Json> {
      const props = withFargateSidecar(type, workload, sidecarArgs(style));
      assert.ok(props, `${type} in a Fargate namespace gets the sidecar`);
      const resolved = await new Promise<unknown>((resolve) => pulumi.output(props).apply(resolve));
      return JSON.parse(JSON.stringify(resolved)) as Json;
    }

    /** A workload as most charts render it: no security context, so it meets baseline and not restricted. */
    const baselineSpec = (): Json => ({
      containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 8080 }] }],
    });

    /** A workload hardened to meet restricted. */
    const restrictedSpec = (): Json => ({
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
      volumes: [{ name: "cache", emptyDir: {} }],
    });

    const deployment = (spec: Json): Json => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "apps" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec },
      },
    });

    const job = (spec: Json): Json => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "report", namespace: "apps" },
      spec: {
        template: { metadata: { labels: { app: "report" } }, spec: { ...spec, restartPolicy: "Never" } },
      },
    });

    /** What keeps the sidecar container out of `restricted` (it runs as root with the default capabilities). */
    const sidecarRestrictedViolations = [
      'allowPrivilegeEscalation != false (container "extrahop-rpcapd" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "extrahop-rpcapd" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (container "extrahop-rpcapd" must not set securityContext.runAsNonRoot=false)',
      'runAsUser=0 (container "extrahop-rpcapd" must not set runAsUser=0)',
    ];

    for (const [label, type, make, style] of [
      ["Deployment (sidecar container)", "kubernetes:apps/v1:Deployment", deployment, undefined],
      ["Job (native sidecar, an init container)", "kubernetes:batch/v1:Job", job, undefined],
      ["Deployment (native sidecar asked for)", "kubernetes:apps/v1:Deployment", deployment, "native"],
    ] as const) {
      it(`${label}: a baseline workload stays baseline, template and created Pod`, async () => {
        const before = make(baselineSpec());
        assert.equal(podSecurityStanding(before).level, "baseline");
        const after = await withSidecar(type, before, style);
        const where = style === "native" || type.endsWith(":Job") ? "initContainers" : "containers";
        const names = ((templateOf(after).spec as Json)[where] as Json[]).map((c) => c.name);
        assert.ok(names.includes("extrahop-rpcapd"), `the sidecar is one of the ${where}`);
        assert.equal(podSecurityStanding(withApiDefaults(after)).level, "baseline");
        assert.equal(podSecurityStanding(podFromTemplate(templateOf(after))).level, "baseline");
      });

      it(`${label}: the sidecar does not meet restricted, so a restricted workload drops to baseline`, async () => {
        const before = make(restrictedSpec());
        assert.equal(podSecurityStanding(before).level, "restricted");
        const after = await withSidecar(type, before, style);
        for (const object of [withApiDefaults(after), podFromTemplate(templateOf(after))]) {
          const standing = podSecurityStanding(object);
          assert.equal(standing.level, "baseline");
          assert.deepEqual(violations(standing.restricted), sidecarRestrictedViolations);
        }
      });
    }

    it("at every policy version the sidecar adds nothing beyond baseline", async () => {
      const after = await withSidecar("kubernetes:apps/v1:Deployment", deployment(restrictedSpec()));
      const pod = podFromTemplate(templateOf(after));
      for (let minor = 0; minor <= NEWEST_MINOR; minor++) {
        const standing = podSecurityStanding(pod, Version.majorMinor(1, minor));
        assert.deepEqual(violations(standing.baseline), [], `v1.${minor}`);
        assert.equal(standing.restricted.allowed, false, `v1.${minor}`);
      }
    });
  });
});
