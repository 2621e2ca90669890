/**
 * The agent's Kubernetes objects as the component renders them, checked against the upstream OpenAPI schemas
 * (`kubernetes-models`, generated from the Kubernetes API's OpenAPI documents) and against what a cluster enforcing
 * Pod Security admission needs.
 */
import { strict as assert } from "node:assert";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import {
  AGENT_POD_SECURITY_LEVEL,
  agentManifests,
  type AgentManifestInputs,
} from "../../components/agent/manifests";
import { DEFAULTS } from "../../components/defaults";

const inputs: AgentManifestInputs = {
  namespace: DEFAULTS.namespace,
  createNamespace: true,
  image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/agent@sha256:${"a".repeat(64)}`,
  environment: { EXTRAHOP_SENSOR_IP: "10.0.200.10", RPCAPD_TARGET_PORT: "2003" },
  excludeNodeLabel: DEFAULTS.excludeNodeLabel,
  architecture: "amd64",
  tolerations: DEFAULTS.tolerations,
  resources: DEFAULTS.resources,
  priorityClassName: DEFAULTS.priorityClassName,
  probes: { port: 9479, livenessPath: "/healthz", readinessPath: "/readyz" },
};

type Pod = {
  hostNetwork?: boolean;
  tolerations?: { operator?: string; key?: string }[];
  volumes?: { hostPath?: unknown }[];
  imagePullSecrets?: { name: string }[];
  containers: {
    securityContext: { privileged?: boolean; capabilities: { add: string[]; drop: string[] } };
    livenessProbe?: { httpGet?: { path: string; port: number } };
    readinessProbe?: { httpGet?: { path: string; port: number } };
  }[];
};
const podOf = (m: ReturnType<typeof agentManifests>) =>
  (m.daemonSet as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;

describe("agent manifests", () => {
  it("validate against the Kubernetes OpenAPI schemas", () => {
    const m = agentManifests(inputs);
    new Namespace(m.namespace as never).validate();
    new ServiceAccount(m.serviceAccount as never).validate();
    new ClusterRole(m.clusterRole as never).validate();
    new ClusterRoleBinding(m.clusterRoleBinding as never).validate();
    new DaemonSet(m.daemonSet as never).validate();
  });

  it("a schema violation is caught (the check can fail)", () => {
    const m = agentManifests(inputs);
    const broken = JSON.parse(JSON.stringify(m.daemonSet));
    broken.spec.template.spec.hostNetwork = "yes";
    assert.throws(() => new DaemonSet(broken).validate(), /hostNetwork must be boolean/);
  });

  it("tolerate every taint by default and keep the exclusion label, Fargate and architecture out", () => {
    const m = agentManifests(inputs);
    assert.deepEqual(podOf(m).tolerations, [{ operator: "Exists" }]);
    const terms = JSON.stringify(m.daemonSet.spec);
    assert.match(terms, /"key":"extrahop\/norpcapd","operator":"DoesNotExist"/);
    assert.match(terms, /"key":"eks.amazonaws.com\/compute-type","operator":"NotIn","values":\["fargate"\]/);
    assert.match(terms, /"key":"kubernetes.io\/arch","operator":"In","values":\["amd64"\]/);
  });

  it("label the namespace for the Pod Security level the pod needs (privileged: hostNetwork, NET_ADMIN, NET_RAW)", () => {
    const m = agentManifests(inputs);
    const pod = podOf(m);
    assert.equal(AGENT_POD_SECURITY_LEVEL, "privileged");
    assert.equal(pod.hostNetwork, true);
    assert.deepEqual(pod.containers[0].securityContext.capabilities.add, ["NET_ADMIN", "NET_RAW"]);
    assert.equal(pod.containers[0].securityContext.privileged, false);
    assert.deepEqual((m.namespace?.metadata as { labels?: Record<string, string> } | undefined)?.labels, {
      component: "extrahop-rpcapd",
      "app.kubernetes.io/name": "extrahop-rpcapd",
      "app.kubernetes.io/part-of": "pod-packet-forwarding",
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/audit": "privileged",
      "pod-security.kubernetes.io/warn": "privileged",
    });
    // No hostPath volume (the v1 xtables lock is gone): the only volume is the in-memory state folder.
    assert.ok((pod.volumes ?? []).every((v) => v.hostPath === undefined));
  });

  it("probe liveness on the supervisor's heartbeat and readiness on the sensor connection", () => {
    const c = podOf(agentManifests(inputs)).containers[0];
    assert.deepEqual(c.livenessProbe?.httpGet, { path: "/healthz", port: 9479, host: "127.0.0.1" });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: "/readyz", port: 9479, host: "127.0.0.1" });
  });

  it("use an existing namespace, a pull secret and custom scheduling when asked", () => {
    const m = agentManifests({
      ...inputs,
      createNamespace: false,
      imagePullSecret: "extrahop-rpcapd-registry",
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }],
      nodeSelector: { "node.kubernetes.io/instance-type": "m5.large" },
    });
    assert.equal(m.namespace, undefined);
    const pod = podOf(m);
    assert.deepEqual(pod.imagePullSecrets, [{ name: "extrahop-rpcapd-registry" }]);
    assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists" }]);
    new DaemonSet(m.daemonSet as never).validate();
  });
});
