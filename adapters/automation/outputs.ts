/**
 * A stack's outputs read back as the component's one output shape (`components/outputs.ts`).
 */
import type { OutputMap } from "@pulumi/pulumi/automation";
import { OPTIONAL_OUTPUTS, OUTPUT_KEYS, type DeployedOutputs } from "../../components/outputs";

export type { DeployedOutputs };

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
  return Object.fromEntries(
    OUTPUT_KEYS.filter((key) => key in map).map((key) => [key, map[key].value]),
  ) as DeployedOutputs;
}
