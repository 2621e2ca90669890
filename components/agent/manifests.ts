/**
 * The agent's Kubernetes objects as plain data: the component applies exactly these, and the offline plan writes
 * exactly these as YAML for review (GitOps). Shape follows the vendor's DaemonSet, minus `privileged`.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NODE_AGENT_FIELD_REFS } from "../contract/agentEnv";

/** Name and label value of the DaemonSet (the vendor's, so existing runbooks keep working). */
export const AGENT_NAME = "extrahop-rpcapd";

/**
 * Pod Security admission level the agent needs, and why: `hostNetwork: true` and the added capabilities NET_ADMIN
 * and NET_RAW are outside the `baseline` profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/);
 * so are, from policy v1.34, the probes' `host: 127.0.0.1`, and, on the Pods the DaemonSet creates, the host port the
 * API server gives the metrics port of a host-network pod.
 */
export const AGENT_POD_SECURITY_LEVEL = "privileged";
/** The namespace labels that admit the agent under Pod Security admission (enforce, and no warnings). */
export const POD_SECURITY_LABELS: Record<string, string> = {
  "pod-security.kubernetes.io/enforce": AGENT_POD_SECURITY_LEVEL,
  "pod-security.kubernetes.io/audit": AGENT_POD_SECURITY_LEVEL,
  "pod-security.kubernetes.io/warn": AGENT_POD_SECURITY_LEVEL,
};

/** How the agent answers probes: the port and paths of its metrics endpoint. */
export interface AgentProbes {
  /** Host port of the agent's HTTP endpoint (hostNetwork). */
  port: number;
  /** Path answering 200 while the supervision loop's heartbeat is fresh. */
  livenessPath: string;
  /** Path answering 200 while rpcapd holds a connection to a sensor. */
  readinessPath: string;
}

/** Inputs of the agent manifests. */
export interface AgentManifestInputs {
  /** Namespace to deploy into. */
  namespace: string;
  /** Whether the namespace object is part of the manifests (false: an existing namespace is used). */
  createNamespace: boolean;
  /** Image reference, pinned by digest so the DaemonSet rolls when the image changes. */
  image: pulumi.Input<string>;
  /** Env values, by name (the agent's env contract). */
  environment: Record<string, string>;
  /** Nodes with this label key get no agent. */
  excludeNodeLabel: string;
  /** CPU architecture of the image (the vendor's rpcapd is a native binary): `amd64` or `arm64`. */
  architecture: "amd64" | "arm64";
  /** Tolerations (default: every taint). */
  tolerations: k8s.types.input.core.v1.Toleration[];
  /** Extra node selector. */
  nodeSelector?: Record<string, string>;
  /** Requests and limits of the container. */
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Priority class. */
  priorityClassName: string;
  /** Probes of the agent. */
  probes: AgentProbes;
  /** Name of a `kubernetes.io/dockerconfigjson` Secret in the namespace, when the registry needs credentials. */
  imagePullSecret?: string;
}

/** The objects, in apply order. */
export interface AgentManifests {
  /** The agent's namespace (absent when an existing one is used). */
  namespace?: k8s.types.input.core.v1.Namespace;
  /** Identity the agent uses to list and watch pods and nodes (cluster membership for exactly-once). */
  serviceAccount: k8s.types.input.core.v1.ServiceAccount;
  /** Read-only access to pods and nodes. */
  clusterRole: k8s.types.input.rbac.v1.ClusterRole;
  /** Binds the role to the service account. */
  clusterRoleBinding: k8s.types.input.rbac.v1.ClusterRoleBinding;
  /** One agent per eligible node. */
  daemonSet: k8s.types.input.apps.v1.DaemonSet;
}

/** Labels on every object of the agent. */
export const AGENT_LABELS: Record<string, string> = {
  component: AGENT_NAME,
  "app.kubernetes.io/name": AGENT_NAME,
  "app.kubernetes.io/part-of": "pod-packet-forwarding",
};

/** Builds the agent's Kubernetes objects. */
export function agentManifests(inputs: AgentManifestInputs): AgentManifests {
  const labels = AGENT_LABELS;
  const metadata = { name: AGENT_NAME, namespace: inputs.namespace, labels };
  const env = [
    ...Object.entries(inputs.environment).map(([name, value]) => ({ name, value })),
    ...Object.entries(NODE_AGENT_FIELD_REFS).map(([name, fieldPath]) => ({
      name,
      valueFrom: { fieldRef: { fieldPath } },
    })),
  ];
  const httpProbe = (path: string) => ({ httpGet: { path, port: inputs.probes.port, host: "127.0.0.1" } });
  return {
    namespace: inputs.createNamespace
      ? {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: inputs.namespace, labels: { ...labels, ...POD_SECURITY_LABELS } },
        }
      : undefined,
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
            priorityClassName: inputs.priorityClassName,
            terminationGracePeriodSeconds: 30,
            nodeSelector: inputs.nodeSelector,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: inputs.excludeNodeLabel, operator: "DoesNotExist" },
                        // Fargate runs no DaemonSets and refuses hostNetwork (its pods take a sidecar instead).
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
            tolerations: inputs.tolerations,
            imagePullSecrets: inputs.imagePullSecret ? [{ name: inputs.imagePullSecret }] : undefined,
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
                resources: inputs.resources,
                ports: [{ name: "metrics", containerPort: inputs.probes.port, protocol: "TCP" }],
                readinessProbe: { ...httpProbe(inputs.probes.readinessPath), periodSeconds: 5 },
                // A hung agent (alive, not supervising) is restarted; the heartbeat is written every second.
                livenessProbe: {
                  ...httpProbe(inputs.probes.livenessPath),
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            // State (rpcapd.ini, the ruleset) only; the root filesystem stays read-only.
            volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }],
          },
        },
      },
    },
  };
}
