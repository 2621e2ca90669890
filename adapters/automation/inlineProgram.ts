/**
 * The inline program the embedding API hands to the Automation API: the same factory as `index.ts`, fed from the
 * stack's config the same way (`readStackConfig`), so an embedded `up` and a `pulumi up` of a stack with the same
 * config register the same resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { ConfigError } from "../components/config";
import { podPacketForwardingProgram, type ProgramOptions, type StackOutputs } from "../program";
import { readStackConfig } from "../stackConfig";

/**
 * The inline program: reads the stack config and runs `podPacketForwardingProgram`. A `ConfigError` is reported
 * to the engine as a `RunError` (message only, no stack trace, as `index.ts` does) and handed to `onConfigError`,
 * so the caller can report it as bad configuration rather than as a failed deployment.
 * @param options program options (region, project folder, ...)
 * @param onConfigError called with the program's ConfigError, if it throws one
 */
export function stackProgram(
  options: ProgramOptions = {},
  onConfigError?: (err: ConfigError) => void,
): PulumiFn {
  return async (): Promise<StackOutputs> => {
    try {
      return await podPacketForwardingProgram(readStackConfig(), options);
    } catch (err) {
      if (err instanceof ConfigError) {
        onConfigError?.(err);
        throw new pulumi.RunError(err.message);
      }
      throw err;
    }
  };
}
