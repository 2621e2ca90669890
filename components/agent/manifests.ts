/**
 * The agent's Kubernetes objects as plain data: the component applies exactly these, and the offline plan
 * writes exactly these as YAML for review (GitOps). Shape follows the vendor's DaemonSet, minus `privileged`.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AgentEnvironment } from "./environment";

/** Name and label value of the DaemonSet (the vendor's, so existing runbooks keep working). */
export const AGENT_NAME = "extrahop-rpcapd";
/** Where the agent writes its readiness marker once its rules are in place and rpcapd runs (entrypoint's default). */
export const AGENT_READY_FILE = "/tmp/ready";

/** Inputs of the agent manifests. */
export interface AgentManifestInputs {
  /** Namespace to deploy into. */
  namespace: string;
  /** Image reference, pinned by digest so the DaemonSet rolls when the image changes. */
  image: pulumi.Input<string>;
  /** Env values computed by `agentEnvironment`. */
  environment: AgentEnvironment;
  /** Nodes with this label key get no agent. */
  excludeNodeLabel: string;
  /** CPU architecture of the image (the vendor's rpcapd is a native binary): `amd64` or `arm64`. */
  architecture: "amd64" | "arm64";
}

/** The objects, in apply order. */
export interface AgentManifests {
  /** The agent's namespace. */
  namespace: k8s.types.input.core.v1.Namespace;
  /** Identity the agent uses to list pods and nodes (cluster membership for exactly-once). */
  serviceAccount: k8s.types.input.core.v1.ServiceAccount;
  /** Read-only access to pods and nodes. */
  clusterRole: k8s.types.input.rbac.v1.ClusterRole;
  /** Binds the role to the service account. */
  clusterRoleBinding: k8s.types.input.rbac.v1.ClusterRoleBinding;
  /** One agent per eligible node. */
  daemonSet: k8s.types.input.apps.v1.DaemonSet;
}

/** Builds the agent's Kubernetes objects. */
export function agentManifests(inputs: AgentManifestInputs): AgentManifests {
  const labels = {
    component: AGENT_NAME,
    "app.kubernetes.io/name": AGENT_NAME,
    "app.kubernetes.io/part-of": "pod-packet-forwarding",
  };
  const metadata = { name: AGENT_NAME, namespace: inputs.namespace, labels };
  const env = [
    ...Object.entries(inputs.environment).map(([name, value]) => ({ name, value })),
    { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
    // The agent counts a node as a member only while an agent pod runs there; it finds them by namespace + label.
    { name: "AGENT_NAMESPACE", value: inputs.namespace },
  ];
  return {
    namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: inputs.namespace, labels } },
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata },
    clusterRole: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: AGENT_NAME, labels },
      rules: [{ apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
    },
    clusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: AGENT_NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: AGENT_NAME },
      subjects: [{ kind: "ServiceAccount", name: AGENT_NAME, namespace: inputs.namespace }],
    },
    daemonSet: {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata,
      spec: {
        selector: { matchLabels: { component: AGENT_NAME } },
        // No surge: two agents on one node would both report its packets; the outgoing agent keeps capturing
        // for SHUTDOWN_DELAY while the others take its pods over (docs/agent.md).
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%", maxSurge: 0 } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: AGENT_NAME,
            // The agent programs netfilter in the node's network namespace and captures there.
            hostNetwork: true,
            dnsPolicy: "ClusterFirstWithHostNet",
            priorityClassName: "system-node-critical",
            terminationGracePeriodSeconds: 30,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: inputs.excludeNodeLabel, operator: "DoesNotExist" },
                        // Fargate runs no DaemonSets and refuses hostNetwork.
                        { key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate"] },
                        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                        // rpcapd is a native binary: nodes of another architecture could not start it.
                        { key: "kubernetes.io/arch", operator: "In", values: [inputs.architecture] },
                      ],
                    },
                  ],
                },
              },
            },
            tolerations: [
              { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              { key: "node-role.kubernetes.io/master", operator: "Exists", effect: "NoSchedule" },
            ],
            containers: [
              {
                name: "rpcapd",
                image: inputs.image,
                env,
                securityContext: {
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  // NET_ADMIN: netfilter rules, sets and the capture device; NET_RAW: packet capture.
                  capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] },
                },
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { memory: "512Mi" },
                },
                readinessProbe: {
                  exec: { command: ["test", "-f", AGENT_READY_FILE] },
                  initialDelaySeconds: 2,
                  periodSeconds: 5,
                },
                volumeMounts: [
                  // State (rpcapd.ini, member lists) and the readiness marker; the root filesystem stays read-only.
                  { name: "tmp", mountPath: "/tmp" },
                  // Shared with kube-proxy so our iptables calls and theirs never interleave.
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                ],
              },
            ],
            volumes: [
              { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  };
}
