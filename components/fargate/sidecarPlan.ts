/**
 * What the plan prints about Fargate: which profiles put pods on Fargate, how workloads of the Pulumi program get the
 * sidecar, and the command for each workload deployed otherwise.
 */
import { describeSelector, type FargateProfile } from "./fargateProfiles";
import { sidecarPatchCommand, sidecarPatchFileName } from "./sidecarPatch";

/** Inputs of the plan section. */
export interface FargateSidecarPlanInputs {
  /** The cluster's Fargate profiles. */
  fargateProfiles: FargateProfile[];
  /**
   * Workloads known to run on Fargate without the sidecar (from the coverage report), each with its kind, name and
   * namespace; absent: the command is shown with placeholders.
   */
  workloadsWithoutSidecar?: { kind: string; name: string; namespace: string }[];
  /** Folder the plan writes the patch files to, e.g. `out/plan`. */
  patchFolder: string;
  /** Whether the sidecar subnets (`fargateCidrs`) are set. */
  fargateCidrsSet: boolean;
}

/**
 * The plan's Fargate section, one line per item; empty when the cluster has no Fargate profile.
 * @param inputs profiles, known workloads, patch folder
 */
export function fargateSidecarPlanLines(inputs: FargateSidecarPlanInputs): string[] {
  if (inputs.fargateProfiles.length === 0) {
    return [];
  }
  const lines = [
    "Fargate pods (no node agent runs there; each needs the extrahop-rpcapd sidecar in its own pod):",
    ...inputs.fargateProfiles.map(
      (p) => `  profile ${p.name}: ${p.selectors.map(describeSelector).join("; ") || "no selectors"}`,
    ),
    "  Workloads declared in this Pulumi program: register fargateSidecarTransform(...) before declaring them " +
      "(pulumi.runtime.registerResourceTransform); it adds the sidecar to those that match a profile.",
    "  Workloads deployed otherwise (Helm, kubectl, GitOps): patch each one, e.g.",
  ];
  const workloads = inputs.workloadsWithoutSidecar?.length
    ? inputs.workloadsWithoutSidecar
    : [{ kind: "Deployment", name: "<name>", namespace: "<namespace>" }];
  for (const w of workloads) {
    lines.push(
      `    ${sidecarPatchCommand(w, `${inputs.patchFolder}/${sidecarPatchFileName(w.kind, "strategic")}`)}`,
    );
  }
  lines.push(
    "  Jobs and CronJobs get the sidecar as a native sidecar (init container with restartPolicy Always, " +
      "Kubernetes 1.29+) so they still complete.",
  );
  if (!inputs.fargateCidrsSet) {
    lines.push(
      "  fargateCidrs is not set: packets between two Fargate pods are reported by both sidecars (set it to the " +
        "subnets only Fargate pods use).",
    );
  }
  return lines;
}
