/**
 * The plan's "Fargate" section, when `fargateProfiles` is set: the profiles, how the program's own workloads get the
 * capture sidecar, a `kubectl patch` command for each workload the coverage report found on Fargate without it (or
 * one with placeholders), and the patch files themselves, written next to the manifests.
 */
import { DEFAULT_METRICS_PORT } from "../../components/contract/agentEnv";
import type { CoverageReport } from "../../components/coverage";
import {
  DEFAULT_SIDECAR_RESOURCES,
  fargateSidecarPlanLines,
  sidecarPatchFiles,
} from "../../components/fargate";
import type { ResolvedArgs } from "../../components/validation";
import type { ManifestFile } from "./manifestFolder";

/** The section: its lines and the patch files to write. */
export interface FargateSection {
  /** Lines of the report (empty without Fargate profiles). */
  lines: string[];
  /** Patch files for the output folder (none without Fargate profiles). */
  files: ManifestFile[];
}

/** A workload entry's name as the coverage report writes it: `namespace/Kind/name`. */
function workloadParts(name: string): { kind: string; name: string; namespace: string } | undefined {
  const [namespace, kind, workload, ...rest] = name.split("/");
  return workload && rest.length === 0 ? { kind, name: workload, namespace } : undefined;
}

/** Workloads with a Fargate pod that has no ready sidecar, as the coverage report names them. */
function workloadsWithoutSidecar(report: CoverageReport | undefined) {
  return (report?.entries ?? [])
    .filter((e) => e.kind === "fargate-profile")
    .flatMap((e) =>
      e.reasons
        .filter((r) => r.startsWith("workloads without a ready sidecar: "))
        .flatMap((r) => r.slice("workloads without a ready sidecar: ".length).split(", ")),
    )
    .map(workloadParts)
    .filter((w): w is NonNullable<typeof w> => w !== undefined);
}

/**
 * The section.
 * @param args the resolved configuration
 * @param agentImage the image the sidecar runs (the agent's)
 * @param outDir the output folder as given on the command line
 * @param report the plan's coverage report, when it has one
 */
export function fargateSection(
  args: ResolvedArgs,
  agentImage: string,
  outDir: string,
  report: CoverageReport | undefined,
): FargateSection {
  const profiles = args.fargateProfiles ?? [];
  if (profiles.length === 0) {
    return { lines: [], files: [] };
  }
  const folder = outDir.replace(/\/+$/, "") || ".";
  const lines = fargateSidecarPlanLines({
    fargateProfiles: profiles,
    workloadsWithoutSidecar: workloadsWithoutSidecar(report),
    patchFolder: folder,
    fargateCidrsSet: (args.fargateCidrs ?? []).length > 0,
  });
  const files = Object.entries(
    sidecarPatchFiles({
      image: agentImage,
      sensorIps: args.sensorIps,
      sensorPort: args.sensorPort,
      fargateCidrs: args.fargateCidrs ?? [],
      metricsPort: DEFAULT_METRICS_PORT,
      style: "auto",
      resources: DEFAULT_SIDECAR_RESOURCES,
      readinessProbe: true,
    }),
  ).map(([name, text]) => ({ name, text }));
  return {
    lines: [
      ...lines,
      `  Sidecar patches (${files.length}, strategic merge and JSON patch per workload kind) written to ${outDir}.`,
      "",
    ],
    files,
  };
}
