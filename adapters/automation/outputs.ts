/**
 * Stack outputs as the typed object the program returned (`StackOutputs` of `program.ts`, resolved).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { OutputMap } from "@pulumi/pulumi/automation";
import type { StackOutputs } from "../program";

/** `StackOutputs` with every Output resolved: what a deployed stack reports. */
export type DeployedOutputs = {
  [K in keyof StackOutputs]: StackOutputs[K] extends pulumi.Output<infer T> ? T : StackOutputs[K];
};

/** Output keys that are absent when their value is undefined (no mirroring). */
const OPTIONAL_OUTPUTS: ReadonlySet<keyof StackOutputs> = new Set(["mirrorReconcileResult"]);

/** Every output key, as a compile-checked list (a key added to `StackOutputs` must be added here). */
const OUTPUT_KEYS = Object.keys({
  podCidrs: true,
  serviceCidrs: true,
  agentEnvironment: true,
  agentImage: true,
  mirroredEnis: true,
  skippedMirrorSources: true,
  mirroredOnlyViolations: true,
  mirrorReconcileResult: true,
  daemonSet: true,
  sensorSteps: true,
} satisfies Record<keyof StackOutputs, true>) as (keyof StackOutputs)[];

/** A stack's outputs are missing or not this program's. */
export class OutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputsError";
  }
}

/**
 * The typed outputs of an Automation API output map.
 * @param stack stack name, for messages
 * @throws OutputsError when the stack has no outputs (never deployed, or destroyed) or lacks one of this program's
 */
export function parseOutputs(stack: string, map: OutputMap): DeployedOutputs {
  if (Object.keys(map).length === 0) {
    throw new OutputsError(
      `stack ${stack} has no outputs: it was never deployed, or it was destroyed (run up first)`,
    );
  }
  const missing = OUTPUT_KEYS.filter((k) => !(k in map) && !OPTIONAL_OUTPUTS.has(k));
  if (missing.length) {
    throw new OutputsError(
      `stack ${stack} lacks the output(s) ${missing.join(", ")}: it was deployed by another program or an older ` +
        "version of this one (run up to refresh them)",
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of OUTPUT_KEYS) {
    out[key] = map[key]?.value;
  }
  return out as DeployedOutputs;
}
