/**
 * The stack's configuration (project keys and `aws:*` keys) and, when available, its outputs, for the coverage
 * command. Two sources:
 * - the stack file (`Pulumi.<stack>.yaml`, or `--stack-file`), read like the CLI's other commands read config files
 *   (`adapters/automation/configFile.ts`): no Pulumi CLI needed, but encrypted values stay unreadable and there are no
 *   outputs;
 * - the stack itself through the Automation API (`LocalWorkspace`, the same backend and workspace as `up`): config
 *   with secrets decrypted (`pulumi config --show-secrets`) and the outputs of the last update.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation";
import { readConfigFile } from "../automation/configFile";
import { resolveBackend } from "../automation/backend";
import { openLocalStack } from "../automation/api";
import { locatePulumiCli } from "../automation/pulumiCli";
import { PROJECT_NAME, STRING_KEYS } from "../stack/stackConfig";

/** What is known about the stack. */
export interface StackFacts {
  /** Project config keys (without namespace), decoded. */
  config: Record<string, unknown>;
  /** Project keys whose value is encrypted and could not be read. */
  encrypted: string[];
  /** `aws:*` keys without the prefix, decoded where structured. */
  aws: Record<string, unknown>;
  /** Outputs of the last update, when read from the stack. */
  outputs?: Record<string, unknown>;
  /** Where the facts came from, for messages. */
  source: string;
}

/** The part of an Automation API stack the command reads. */
export interface StackReader {
  /** `pulumi config --show-secrets --json`. */
  getAllConfig(): Promise<ConfigMap>;
  /** `pulumi stack output --json --show-secrets`. */
  outputs(): Promise<OutputMap>;
}

/** Opens a stack for reading. */
export type StackOpener = (
  stack: string,
  env: NodeJS.ProcessEnv,
  backendUrl?: string,
) => Promise<StackReader>;

/** The default opener: the embedding API's backend, workspace and CLI, the stack must exist. */
export const openStackForReading: StackOpener = async (stack, env, backendUrl) => {
  const backend = resolveBackend({ env, backendUrl });
  const cli = await locatePulumiCli({ envPath: env.PATH });
  return openLocalStack({ stack, program: async () => undefined, backend, cli, create: false });
};

/** The stack file in `dir` for `stack` (`Pulumi.<stack>.yaml`, the last part of an `org/project/stack` name). */
export function defaultStackFile(dir: string, stack: string): string | undefined {
  const name = stack.split("/").pop() ?? stack;
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  return fs.existsSync(file) ? file : undefined;
}

/** Facts from a stack file. */
export function factsFromStackFile(file: string): StackFacts {
  const read = readConfigFile(file);
  const aws: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(read.otherNamespaces)) {
    if (key.startsWith("aws:")) {
      aws[key.slice(4)] = value;
    }
  }
  if (read.region !== undefined) {
    aws.region = read.region;
  }
  return { config: read.config, encrypted: read.encrypted, aws, source: `stack file ${file}` };
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Facts from the stack's own config and outputs. */
export async function factsFromStack(reader: StackReader, stack: string): Promise<StackFacts> {
  const map = await reader.getAllConfig();
  const config: Record<string, unknown> = {};
  const aws: Record<string, unknown> = {};
  for (const [key, { value }] of Object.entries(map)) {
    if (key.startsWith(`${PROJECT_NAME}:`)) {
      const own = key.slice(PROJECT_NAME.length + 1);
      config[own] = STRING_KEYS.has(own) ? value : decode(value);
    } else if (key.startsWith("aws:")) {
      aws[key.slice(4)] = value;
    }
  }
  const outputs = Object.fromEntries(Object.entries(await reader.outputs()).map(([k, v]) => [k, v.value]));
  return { config, encrypted: [], aws, outputs, source: `stack ${stack}` };
}
