/**
 * The Fargate capture sidecar as data: the agent's env contract (the agent's own parser accepts what the sidecar
 * gets), nothing Fargate refuses, the Kubernetes OpenAPI schemas (`kubernetes-models`), and what it does to a pod
 * spec (idempotent, conflicts named).
 */
import { strict as assert } from "node:assert";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { parseAgentEnv } from "../../components/contract/agentEnv";
import {
  fargateRefusals,
  hasSidecar,
  podSpecWithSidecar,
  SIDECAR_CONTAINER_NAME,
  SidecarConflictError,
  sidecarParts,
  sidecarStyleFor,
  type SidecarSettings,
} from "../../components/fargate";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/extrahop-rpcapd@sha256:${"a".repeat(64)}`;
const SETTINGS: SidecarSettings = {
  image: IMAGE,
  sensorIps: ["10.0.200.10", "10.0.200.11"],
  sensorPort: 2003,
  fargateCidrs: ["10.0.96.0/20"],
  metricsPort: 9477,
  style: "container",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  readinessProbe: true,
};

type Container = {
  name: string;
  env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
  securityContext: Record<string, unknown>;
  ports?: { containerPort: number; hostPort?: number }[];
  readinessProbe?: { httpGet: { path: string; port: number } };
  restartPolicy?: string;
};

const appPod = () => ({
  containers: [{ name: "app", image: "nginx:1.27", ports: [{ containerPort: 8080 }] }],
});

function addition(settings: SidecarSettings = SETTINGS) {
  const parts = sidecarParts(settings);
  return { container: parts.container, volume: parts.volume, metricsPort: settings.metricsPort };
}

describe("Fargate sidecar container", () => {
  it("gets the sidecar role of the agent's env contract, POD_IP from the downward API", () => {
    const c = sidecarParts(SETTINGS).container as unknown as Container;
    assert.equal(c.name, "extrahop-rpcapd");
    assert.equal(c.name, SIDECAR_CONTAINER_NAME);
    const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      AGENT_ROLE: "sidecar",
      EXTRAHOP_SENSOR_IP: "10.0.200.10,10.0.200.11",
      RPCAPD_TARGET_PORT: "2003",
      FARGATE_CIDRS: "10.0.96.0/20",
    });
    assert.deepEqual(
      c.env.find((e) => e.name === "POD_IP"),
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    );
    // What the agent program itself makes of it once the kubelet fills POD_IP in.
    const settings = parseAgentEnv({ ...env, POD_IP: "10.0.97.12" });
    assert.equal(settings.role, "sidecar");
    assert.deepEqual(settings.sensors, ["10.0.200.10", "10.0.200.11"]);
  });

  it("refuses values the agent would refuse, naming the variable", () => {
    assert.throws(() => sidecarParts({ ...SETTINGS, sensorIps: ["10.0.200.300"] }), /EXTRAHOP_SENSOR_IP/);
    assert.throws(() => sidecarParts({ ...SETTINGS, fargateCidrs: ["10.0.96.1/20"] }), /FARGATE_CIDRS/);
  });

  it("uses nothing Fargate refuses: no privileged, no added capability, no escalation field, no host network or port", () => {
    for (const style of ["container", "native"] as const) {
      const c = sidecarParts({ ...SETTINGS, style }).container as unknown as Container;
      assert.deepEqual(Object.keys(c.securityContext).sort(), [
        "readOnlyRootFilesystem",
        "runAsNonRoot",
        "runAsUser",
      ]);
      assert.ok(!("privileged" in c.securityContext));
      assert.ok(!("allowPrivilegeEscalation" in c.securityContext));
      assert.ok(!("capabilities" in c.securityContext));
      assert.ok((c.ports ?? []).every((p) => p.hostPort === undefined));
      const where = style === "native" ? "initContainers" : "containers";
      const pod = podSpecWithSidecar(appPod(), addition({ ...SETTINGS, style }), where);
      assert.ok(!("hostNetwork" in pod));
      assert.deepEqual(fargateRefusals(pod), []);
    }
  });

  it("the refusal check finds each field Fargate is known to refuse", () => {
    const refused = fargateRefusals({
      hostNetwork: true,
      initContainers: [{ name: "init", securityContext: { allowPrivilegeEscalation: true } }],
      containers: [
        { name: "a", ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true } },
        { name: "b", securityContext: { capabilities: { add: ["NET_ADMIN"] } } },
        {
          name: "c",
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
    });
    assert.deepEqual(
      refused.map((r) => r.field),
      [
        "hostNetwork",
        "initContainers[0].securityContext.allowPrivilegeEscalation",
        "containers[0].ports[0].hostPort",
        "containers[0].securityContext.privileged",
        "containers[1].securityContext.capabilities.add",
      ],
    );
    assert.match(refused[0].reason, /HostNetwork/);
    assert.match(refused[4].reason, /Capabilities added/);
  });

  it("validates against the Kubernetes schemas as a container and as a native sidecar of a Job", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "apps" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: podSpecWithSidecar(appPod(), addition(), "containers"),
        },
      },
    };
    new Deployment(deployment as never).validate();
    const native = { ...SETTINGS, style: sidecarStyleFor("auto", "Job") };
    assert.equal(native.style, "native");
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "report", namespace: "jobs" },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            ...podSpecWithSidecar(appPod(), addition(native), "initContainers"),
          },
        },
      },
    };
    new Job(job as never).validate();
    const init = (job.spec.template.spec as unknown as { initContainers: Container[] }).initContainers[0];
    assert.equal(init.restartPolicy, "Always");
    // The schema check can fail.
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.template.spec.containers[1].ports[0].containerPort = "9477";
    assert.throws(() => new Deployment(broken).validate(), /containerPort/);
  });

  it("is added once, first among init containers when native, and refuses a taken port or volume name", () => {
    const once = podSpecWithSidecar(appPod(), addition(), "containers");
    assert.ok(hasSidecar(once));
    assert.equal(podSpecWithSidecar(once, addition(), "containers"), once);
    const withInit = { ...appPod(), initContainers: [{ name: "migrate", image: "migrate:1" }] };
    const native = podSpecWithSidecar(withInit, addition({ ...SETTINGS, style: "native" }), "initContainers");
    assert.deepEqual(
      (native.initContainers as { name: string }[]).map((c) => c.name),
      ["extrahop-rpcapd", "migrate"],
    );
    const clash = { containers: [{ name: "exporter", ports: [{ containerPort: 9477 }] }] };
    assert.throws(() => podSpecWithSidecar(clash, addition(), "containers"), SidecarConflictError);
    assert.doesNotThrow(() =>
      podSpecWithSidecar(clash, addition({ ...SETTINGS, metricsPort: 9478 }), "containers"),
    );
    const volume = { ...appPod(), volumes: [{ name: "extrahop-rpcapd-tmp", emptyDir: {} }] };
    assert.throws(() => podSpecWithSidecar(volume, addition(), "containers"), /volume/);
  });

  it("probes readiness on the sensor connection unless told not to", () => {
    const probed = sidecarParts(SETTINGS).container as unknown as Container;
    assert.deepEqual(probed.readinessProbe?.httpGet, { path: "/readyz", port: 9477 });
    const unprobed = sidecarParts({ ...SETTINGS, readinessProbe: false }).container as unknown as Container;
    assert.equal(unprobed.readinessProbe, undefined);
    const moved = sidecarParts({ ...SETTINGS, metricsPort: 9600 }).container as unknown as Container;
    assert.ok(moved.env.some((e) => e.name === "METRICS_PORT" && e.value === "9600"));
    assert.equal(moved.readinessProbe?.httpGet.port, 9600);
  });
});
