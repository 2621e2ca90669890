/**
 * pod-packet-forwarding: every packet of a Kubernetes cluster's pods to an ExtraHop sensor, once.
 *
 * ```ts
 * import * as eks from "@pulumi/eks";
 * import { PodPacketForwarding } from "pod-packet-forwarding";
 *
 * const cluster = new eks.Cluster("prod", { ... });
 * new PodPacketForwarding("ppf", { cluster, sensorIps: ["10.20.200.10"], rpcapdPackage: "vendor/rpcapd.deb" });
 * ```
 */
export { PodPacketForwarding, PodPacketForwardingType } from "./podPacketForwarding";
export type {
  AgentResourcesArgs,
  FargateProfileArgs,
  PortRangeArgs,
  SensorApiArgs,
  ImageRegistryArgs,
  MirrorTargetArgs,
  PodPacketForwardingArgs,
  TolerationArgs,
} from "./args";
export { DATAPATHS, DEFAULTS, IMAGE_PLATFORMS, type Datapath, type ImagePlatform } from "./defaults";
export { forwardingOutputs, OUTPUT_KEYS, type DeployedOutputs, type ForwardingOutputs } from "./outputs";
export type { RangeSource } from "./network/clusterNetwork";
export {
  fargateSidecarPatch,
  fargateSidecarTransform,
  sidecarPatchCommand,
  type FargateSidecarArgs,
} from "./fargate";
export { renderCoverage, type CoverageReport } from "./coverage";
export type { SkippedMirrorSource } from "./mirror/reconcileOutcome";
export { argsSchema, checkArgs, type ArgProblem, type ResolvedArgs } from "./validation";
