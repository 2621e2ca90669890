/**
 * The stack configuration (`Pulumi.<stack>.yaml`) as `PodPacketForwarding` arguments: the config keys are the
 * component's argument names, except `clusterName`, which holds the name form of the `cluster` argument. Shared by
 * the stack program (`index.ts`), the embedding API and the offline plan, so all three accept and reject the same
 * configuration with the same messages, each naming the config key.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { PodPacketForwardingArgs } from "../../components/args";
import { checkArgs, type ArgProblem, type ArgsContext } from "../../components/validation";

/** The Pulumi project (and stack config namespace) of this program, as in `Pulumi.yaml`. */
export const PROJECT_NAME = "pod-packet-forwarding";

/** Config keys whose values are strings; every other key holds JSON (lists, objects, numbers, booleans). */
export const STRING_KEYS: ReadonlySet<string> = new Set([
  "clusterName",
  "kubeconfig",
  "datapath",
  "reconcileSchedule",
  "rpcapdPackage",
  "agentImage",
  "imagePlatform",
  "namespace",
  "excludeNodeLabel",
  "priorityClassName",
]);

/** Config keys whose values are Pulumi secrets (encrypted in the stack file and the state). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["kubeconfig", "sensorApis"]);

/** The one config key named differently from its argument. */
const KEY_TO_ARG: Record<string, string> = { clusterName: "cluster" };
const ARG_TO_KEY: Record<string, string> = { cluster: "clusterName" };

/** Bad configuration: every problem found, each naming the config key, the value and what is allowed. */
export class ConfigError extends Error {
  /** One line per problem, e.g. `sensorPort: 70000 must be between 1 and 65535`. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** An argument problem in config words: `cluster` becomes `clusterName`, in the path and in allowed-key lists. */
export function toConfigProblem(problem: ArgProblem): string {
  const [head, ...rest] = problem.propertyPath.split(/(?=[.[])/);
  const key = `${ARG_TO_KEY[head] ?? head}${rest.join("")}`;
  const reason = problem.reason.replace(/\bcluster\b(?=[,)])/g, "clusterName");
  return key ? `${key}: ${reason}` : reason;
}

/**
 * Config values as arguments: `clusterName` becomes `cluster`, a relative `rpcapdPackage` is resolved against the
 * project folder, secrets stay secret.
 * @param raw the config values by key (decoded)
 * @param projectDir folder relative paths are resolved against
 */
export function configToArgs(raw: Record<string, unknown>, projectDir: string): PodPacketForwardingArgs {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    args[KEY_TO_ARG[key] ?? key] = value;
  }
  if (typeof args.rpcapdPackage === "string") {
    args.rpcapdPackage = path.resolve(projectDir, args.rpcapdPackage);
  }
  if (typeof args.kubeconfig === "string") {
    args.kubeconfig = pulumi.secret(args.kubeconfig);
  }
  if (Array.isArray(args.sensorApis)) {
    args.sensorApis = args.sensorApis.map((api: Record<string, unknown>) =>
      typeof api?.apiKey === "string" ? { ...api, apiKey: pulumi.secret(api.apiKey) } : api,
    );
  }
  return args as unknown as PodPacketForwardingArgs;
}

/**
 * Checks a configuration object without Pulumi (the embedding API and the plan do this before anything runs).
 * @throws ConfigError listing every problem
 */
export function checkConfig(raw: Record<string, unknown>, context: Partial<ArgsContext> = {}): void {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    args[KEY_TO_ARG[key] ?? key] = value;
  }
  const check = checkArgs(args, {
    eksCluster: args.cluster !== undefined,
    kubernetesProvider: context.kubernetesProvider ?? false,
  });
  if (!check.ok) {
    throw new ConfigError(check.problems.map(toConfigProblem));
  }
}

/**
 * The project's config values by key, JSON-decoded where the key is structured. Uses the runtime's full config
 * map, so unknown keys (typos) are reported instead of silently ignored. A value that is not valid JSON is passed
 * on as the string it is, so the schema reports it with the key name.
 * @param project Pulumi project name (config namespace)
 */
export function readStackConfig(project: string = pulumi.getProject()): Record<string, unknown> {
  const prefix = `${project}:`;
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) {
      continue;
    }
    const key = fullKey.slice(prefix.length);
    raw[key] = STRING_KEYS.has(key) ? value : decode(value);
  }
  return raw;
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
