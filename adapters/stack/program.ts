/**
 * The stack program: stack config in, `PodPacketForwarding` constructed, its outputs exported. `index.ts` runs it
 * for `pulumi up`; the embedding API runs the same function as its inline program.
 */
import * as pulumi from "@pulumi/pulumi";
import { forwardingOutputs, type ForwardingOutputs } from "../../components/outputs";
import { PodPacketForwarding } from "../../components/podPacketForwarding";
import { ConfigError, configToArgs, readStackConfig, toConfigProblem } from "./stackConfig";

/** Options of the stack program. */
export interface StackProgramOptions {
  /** Name of the component (and prefix of every resource). Default `pod-packet-forwarding`. */
  name?: string;
  /** Folder a relative `rpcapdPackage` is resolved against. Default the working directory. */
  projectDir?: string;
}

/** The component name existing stacks were created with: changing it would replace every resource. */
export const STACK_COMPONENT_NAME = "pod-packet-forwarding";

/**
 * Runs the program on a configuration object.
 * @param raw config values by key (as `readStackConfig` returns them)
 * @throws ConfigError naming config keys, before any resource is registered, for every problem known now
 */
export function stackProgram(
  raw: Record<string, unknown>,
  options: StackProgramOptions = {},
): ForwardingOutputs {
  try {
    const ppf = new PodPacketForwarding(
      options.name ?? STACK_COMPONENT_NAME,
      configToArgs(raw, options.projectDir ?? process.cwd()),
    );
    return forwardingOutputs(ppf);
  } catch (err) {
    if (pulumi.InputPropertiesError.isInstance(err)) {
      throw new ConfigError(err.errors.map(toConfigProblem));
    }
    throw err;
  }
}

/** `pulumi up`'s entry: the stack's own config; a config problem is reported as its message alone. */
export async function runStack(options: StackProgramOptions = {}): Promise<ForwardingOutputs> {
  try {
    return stackProgram(readStackConfig(), options);
  } catch (err) {
    // A RunError prints the message alone: the problems list, not a stack trace.
    throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
  }
}
