/**
 * The plan as a person reads it: which cluster it ran against, what the plan substituted, who reports the packets
 * of what (coverage, uncovered first: what a security team reads first), the resources to create, the ranges and
 * where each came from, the agent's environment, the mirror filter, what the deploy-time reconcile did, what the
 * security groups on the sensor path must allow, the Fargate sidecar, the warnings `pulumi up` would print, the
 * manifests written and what is left to do on the sensor.
 */
import type { PlanInputs } from "./planInputs";
import type { PlanResult } from "./runPlan";
import { table } from "./table";

/** The sections the plan computes beside the program's own outputs, as lines. */
export interface PlanSections {
  /** "Coverage". */
  coverage: string[];
  /** "Sensor path". */
  sensorPath: string[];
  /** "Fargate" (empty without Fargate profiles). */
  fargate: string[];
}

/** Registrations counted by type, in first-seen order. */
function countByType(result: PlanResult): string[][] {
  const byType = new Map<string, number>();
  for (const r of result.resources) {
    byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
  }
  return [...byType].map(([t, n]) => [t, String(n)]);
}

/** Which cluster the plan ran against, and on which account, for the first line. */
function clusterLine(inputs: PlanInputs): string {
  const { world } = inputs;
  const name = inputs.config.clusterName;
  if (typeof name !== "string") {
    return "Plan for a cluster without EKS, reached through kubeconfig (offline: Pulumi mocks, no changes made)";
  }
  const where =
    inputs.worldSource === "sample"
      ? "the built-in sample account"
      : "an account built from your AWS CLI output";
  return `Plan for EKS cluster ${name} in ${world.region}, account ${world.accountId} (${where}; offline: fake AWS, no changes made)`;
}

/**
 * The report's lines.
 * @param manifests the manifest files written, relative to the working folder
 * @param outDir the folder as given
 * @param sections the coverage, sensor path and Fargate sections
 */
export function planReport(
  inputs: PlanInputs,
  result: PlanResult,
  manifests: string[],
  outDir: string,
  sections: PlanSections,
): string[] {
  const o = result.outputs;
  const out: string[] = [clusterLine(inputs), ""];
  if (inputs.notes.length) {
    out.push("Notes:", ...inputs.notes.map((n) => `  - ${n}`), "");
  }
  out.push(...sections.coverage);
  out.push(
    `Resources to create (${result.resources.length}):`,
    ...table([["TYPE", "COUNT"], ...countByType(result)]),
    "",
  );
  out.push(
    "Pod and service ranges:",
    ...table([
      ...o.networkSources.pods.map((s) => ["PODNET", s.range, s.from]),
      ...o.networkSources.services.map((s) => ["SVCNET", s.range, s.from]),
    ]),
    "",
  );
  out.push("Agent environment (every node):", ...table(Object.entries(o.agentEnvironment)), "");
  out.push(`Image: ${o.agentImage}  (digest computed by the mock; the real one comes from the build)`, "");
  // In evaluation order: AWS evaluates each direction's rules by ascending rule number.
  const rules = result.resources
    .filter((r) => r.type === "aws:ec2/trafficMirrorFilterRule:TrafficMirrorFilterRule")
    .sort(
      (a, b) =>
        String(a.inputs.trafficDirection).localeCompare(String(b.inputs.trafficDirection)) ||
        Number(a.inputs.ruleNumber) - Number(b.inputs.ruleNumber),
    );
  if (rules.length) {
    out.push(
      `Mirror filter rules (${rules.length}):`,
      ...table([
        ["DIR", "#", "ACTION", "PROTO", "SOURCE", "DESTINATION", "DESCRIPTION"],
        ...rules.map((r) => {
          const i = r.inputs;
          return [
            String(i.trafficDirection),
            String(i.ruleNumber),
            String(i.ruleAction),
            String(i.protocol ?? "all"),
            String(i.sourceCidrBlock),
            String(i.destinationCidrBlock),
            String(i.description ?? ""),
          ];
        }),
      ]),
      "",
    );
  }
  if (o.mirrorReconcileResult !== undefined) {
    const summary = result.reconcileLog.find((l) => l.decision === "summary") as
      { counts: Record<string, number> } | undefined;
    const counts = summary
      ? Object.entries(summary.counts)
          .filter(([k]) => k !== "desired")
          .map(([k, n]) => `${n} ${k}`)
          .join(", ")
      : "no summary";
    out.push(
      `Deploy-time reconcile (the reconciler Lambda's code against the fake EC2 API): ${counts}`,
      `Mirrored ENIs (${o.mirroredEnis.length}):`,
      ...o.mirroredEnis.map((e) => `  ${e}`),
      "",
    );
    if (o.skippedMirrorSources.length) {
      out.push(
        `Not mirrored (${o.skippedMirrorSources.length}):`,
        ...o.skippedMirrorSources.map(
          (s) =>
            `  ${s.instanceId}${s.networkInterfaceId ? `/${s.networkInterfaceId}` : ""} ${s.instanceType} ${s.reason}: ${s.detail}`,
        ),
        "",
      );
    }
  }
  out.push(...sections.sensorPath, ...sections.fargate);
  const warnings = [
    // Listed above, with their reasons.
    ...result.warnings.filter((w) => !w.startsWith("not mirrored: ")),
  ];
  if (warnings.length) {
    out.push(`Warnings (${warnings.length}):`, ...warnings.map((w) => `  - ${w}`), "");
  }
  out.push(
    `Kubernetes manifests (${manifests.length}) written to ${outDir}:`,
    ...manifests.map((f) => `  ${f}`),
    "",
  );
  out.push("On the sensor:", ...o.sensorSteps.map((s, i) => `  ${i + 1}. ${s}`));
  return out;
}
