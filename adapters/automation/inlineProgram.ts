/**
 * The inline program the embedding API hands to the Automation API: the stack program of `index.ts`
 * (`stackProgram`), fed from the stack's config the same way (`readStackConfig`), so an embedded `up` and a
 * `pulumi up` of a stack with the same config register the same resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import type { ForwardingOutputs } from "../../components/outputs";
import { stackProgram, type StackProgramOptions } from "../stack/program";
import { ConfigError, PROJECT_NAME, readStackConfig } from "../stack/stackConfig";

/**
 * The inline program. A `ConfigError` is reported to the engine as a `RunError` (message only, no stack trace, as
 * `index.ts` does) and handed to `onConfigError`, so the caller reports it as bad configuration rather than as a
 * failed deployment.
 * @param options stack program options (component name, project folder)
 * @param onConfigError called with the program's ConfigError, if it throws one
 */
export function inlineProgram(
  options: StackProgramOptions = {},
  onConfigError?: (err: ConfigError) => void,
): PulumiFn {
  return async (): Promise<ForwardingOutputs> => {
    try {
      return stackProgram(readStackConfig(PROJECT_NAME), options);
    } catch (err) {
      if (err instanceof ConfigError) {
        onConfigError?.(err);
        throw new pulumi.RunError(err.message);
      }
      throw err;
    }
  };
}
