/**
 * The plan's "Sensor path" section: what the sensors' security group (and the mirror target's) must allow, from
 * `sensorPathPlan` with the groups the program uses (the EKS cluster security group of the looked-up cluster, the
 * `podSecurityGroupIds`), and the ingress rules the program registered when `sensorSecurityGroupId` is set.
 */
import { mirrorTargetKind } from "../../components/mirror/vpcMirroring";
import { sensorPathPlan, type SourceGroup } from "../../components/securityGroups";
import type { ResolvedArgs } from "../../components/validation";
import type { PlanInputs } from "./planInputs";
import type { PlanResult } from "./runPlan";
import { table } from "./table";

/** Resource type of the rules the program creates. */
const INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/**
 * The section's lines.
 * @param inputs the plan's inputs (the account holds the cluster's security group)
 * @param result what the program registered
 * @param args the resolved configuration
 */
export function sensorPathSection(inputs: PlanInputs, result: PlanResult, args: ResolvedArgs): string[] {
  const cluster = inputs.world.clusters.find((c) => c.name === inputs.config.clusterName);
  const clusterGroup = cluster?.resourcesVpcConfig?.clusterSecurityGroupId;
  // The component takes the node groups from the cluster it was given; a cluster without EKS has none.
  const nodeGroups: SourceGroup<string>[] =
    typeof inputs.config.clusterName === "string" && clusterGroup
      ? [{ key: "cluster", label: `cluster security group ${clusterGroup}`, securityGroupId: clusterGroup }]
      : [];
  const plan = sensorPathPlan<string>({
    sensorSecurityGroupId: args.sensorSecurityGroupId,
    nodeGroups,
    podGroups: (args.podSecurityGroupIds ?? []).map((id, i) => ({
      key: `pods-${i}`,
      label: `pod security group ${id}`,
      securityGroupId: id,
    })),
    sensorPort: args.sensorPort,
    sensorDataPorts: args.sensorDataPorts,
    mirroring: args.mirrorTarget
      ? {
          targetKind: mirrorTargetKind(args.mirrorTarget),
          targetSecurityGroupId: args.mirrorTargetSecurityGroupId,
        }
      : undefined,
  });
  const rules = result.resources.filter((r) => r.type === INGRESS_RULE_TYPE);
  const lines = ["Sensor path (security groups):", ...plan.lines.map((l) => `  - ${l}`)];
  if (rules.length) {
    lines.push(
      `  Ingress rules to create (${rules.length}):`,
      ...table(
        [
          ["GROUP", "FROM GROUP", "PROTO", "PORTS", "DESCRIPTION"],
          ...rules.map((r) => {
            const i = r.inputs;
            const ports = i.fromPort === i.toPort ? String(i.fromPort) : `${i.fromPort}-${i.toPort}`;
            return [
              String(i.securityGroupId),
              String(i.referencedSecurityGroupId),
              String(i.ipProtocol),
              ports,
              String(i.description ?? ""),
            ];
          }),
        ],
        "    ",
      ),
    );
  }
  lines.push("");
  return lines;
}
