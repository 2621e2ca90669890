/**
 * Entry of the `pod-packet-forwarding` plugin package (PulumiPlugin.yaml): every ComponentResource exported here is
 * offered to other languages by `pulumi package add`; its args and outputs are read from the TypeScript types.
 */
export {
  ClusterForwarding,
  type ClusterForwardingArgs,
  type MirrorTarget,
  type MirroredOnlyViolation,
  type SkippedMirrorSource,
} from "./clusterForwarding";
