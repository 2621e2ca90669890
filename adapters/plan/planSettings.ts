/**
 * The plan's configuration as the component resolves it (defaults filled in, `clusterName` as `cluster`): what the
 * plan's own sections (coverage, sensor path, Fargate) read, so they follow the same values the program ran with.
 */
import { checkArgs, type ResolvedArgs } from "../../components/validation";
import type { PlanInputs } from "./planInputs";

/**
 * The resolved arguments of the plan's configuration.
 * @throws Error when the configuration does not check (the program would have refused it before this is called)
 */
export function planSettings(inputs: PlanInputs): ResolvedArgs {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs.config)) {
    raw[key === "clusterName" ? "cluster" : key] = value;
  }
  const check = checkArgs(raw, { eksCluster: raw.cluster !== undefined, kubernetesProvider: false });
  if (!check.ok) {
    throw new Error(
      `the plan's configuration does not check: ${check.problems.map((p) => `${p.propertyPath}: ${p.reason}`).join("; ")}`,
    );
  }
  return check.args;
}
