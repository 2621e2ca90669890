/**
 * Security-group rules the sensor path needs (RPCAP from the nodes and sidecar pods to the sensors, VXLAN from the
 * mirror sources to the mirror target), and what the plan says when a group is not given. See docs/coverage.md.
 */
export {
  ALL_PORTS,
  sensorPathPlan,
  VXLAN_PORT,
  type IngressRule,
  type PortRange,
  type SensorPathInputs,
  type SensorPathPlan,
  type SourceGroup,
} from "./sensorPathRules";
export {
  SensorSecurityGroupRules,
  SensorSecurityGroupRulesType,
  type SensorSecurityGroupRulesArgs,
} from "./sensorSecurityGroupRules";
export { clusterSecurityGroups, type ClusterSecurityGroups } from "./clusterSecurityGroups";
