/**
 * Capture for pods that run on AWS Fargate, where no node agent runs: the `extrahop-rpcapd` sidecar, added by a
 * Pulumi transform to the program's own workloads or by a patch to the others. See docs/fargate.md.
 */
export {
  FARGATE_COMPUTE_TYPE_LABEL,
  FARGATE_PROFILE_LABEL,
  describeSelector,
  fargatePatternMatches,
  fargatePlacement,
  selectorMatches,
  type FargatePlacement,
  type FargateProfile,
  type FargateProfileSelector,
} from "./fargateProfiles";
export { fargateRefusals, type FargateRefusal, type PodSpecLike } from "./fargateRefusals";
export {
  fargateSidecarTransform,
  fargateSidecarTransformation,
  withFargateSidecar,
  type FargateSidecarArgs,
} from "./fargateSidecar";
export {
  hasSidecar,
  podSpecWithSidecar,
  SidecarConflictError,
  type SidecarAddition,
} from "./podSpecWithSidecar";
export {
  DEFAULT_SIDECAR_RESOURCES,
  SIDECAR_CONTAINER_NAME,
  SIDECAR_VOLUME_NAME,
  sidecarParts,
  sidecarStyleFor,
  type SidecarParts,
  type SidecarResources,
  type SidecarSettings,
  type SidecarStyle,
} from "./sidecarContainer";
export {
  fargateSidecarPatch,
  sidecarPatchCommand,
  sidecarPatchFileName,
  sidecarPatchFiles,
  SidecarPatchError,
  type SidecarPatch,
  type SidecarPatchSettings,
} from "./sidecarPatch";
export { fargateSidecarPlanLines, type FargateSidecarPlanInputs } from "./sidecarPlan";
export { WORKLOAD_KINDS, workloadKind, workloadKindOfType, type WorkloadKind } from "./workloadKinds";
