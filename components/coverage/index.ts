/**
 * Which nodes, Fargate profiles and workloads the sensor sees, through what, and why not: the coverage report
 * (deploy-time output, plan section, `pod-packet-forwarding coverage`). See docs/coverage.md.
 */
export {
  agentExclusions,
  DAEMONSET_TOLERATIONS,
  describeTaint,
  isFargateNode,
  tolerates,
  type AgentScheduling,
} from "./agentScheduling";
export type { ContainerStatus, NodeObject, ObjectMeta, PodObject, Taint, Toleration } from "./clusterObjects";
export { ClusterStateError, LIST_PAGE_SIZE, readClusterState, type ClusterState } from "./clusterState";
export {
  BRANCH_ENI_ANNOTATION,
  coverageReport,
  type CoverageEntry,
  type CoverageInputs,
  type CoverageKind,
  type CoverageMechanism,
  type CoverageReport,
  type CoverageStatus,
  type InstanceEnis,
  type MirroringFacts,
  type StatusCounts,
} from "./coverageReport";
export { describeWorkload, workloadOf, type WorkloadRef } from "./podOwners";
export { coverageSummaryLine, renderCoverage } from "./renderCoverage";
export { deployTimeCoverage, type DeployTimeCoverageInputs } from "./deployTimeCoverage";
