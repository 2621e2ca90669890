/**
 * Defaults and enumerations of `PodPacketForwarding`'s arguments, declared once for the validation, the manifests,
 * the documentation tables and the adapters.
 */

/** The node datapaths the agent knows; `auto` lets each agent detect its node's. */
export const DATAPATHS = ["auto", "vpc-cni", "calico", "flannel", "cilium"] as const;
/** A node datapath. */
export type Datapath = (typeof DATAPATHS)[number];

/** Platforms the agent image can be built for (rpcapd is a native binary). */
export const IMAGE_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
/** An image platform. */
export type ImagePlatform = (typeof IMAGE_PLATFORMS)[number];

/** rpcapd's limit of active clients (`ActiveClient` lines), hence of sensors. */
export const MAX_SENSORS = 10;

/** Default values of the optional arguments. */
export const DEFAULTS = {
  sensorPort: 2003,
  namespace: "extrahop",
  excludeNodeLabel: "extrahop/norpcapd",
  imagePlatform: "linux/amd64" as ImagePlatform,
  /** Every taint, as node agents such as kube-proxy and aws-node do: a node without the agent is a blind spot. */
  tolerations: [{ operator: "Exists" as const }],
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
  priorityClassName: "system-node-critical",
};
