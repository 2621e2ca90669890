/**
 * The embedding API's configuration object: the stack config keys (`Pulumi.<stack>.yaml` under the project
 * namespace), checked with the stack adapter's rules before anything touches Pulumi, and written to the stack as the
 * CLI would store it, so the inline program reads it back exactly as `pulumi up` reads a stack file.
 */
import type { ConfigMap } from "@pulumi/pulumi/automation";
import type { z } from "zod";
import { checkRpcapdPackage } from "../../components/agent/buildContext";
import type { argsSchema } from "../../components/validation";
import { checkConfig, ConfigError, PROJECT_NAME, SECRET_KEYS, STRING_KEYS } from "../stack/stackConfig";

/**
 * The typed configuration: `PodPacketForwarding`'s arguments under their stack config names (`clusterName` holds the
 * name form of `cluster`), optional values as in a stack file. Documented on `PodPacketForwardingArgs`.
 */
export type PodPacketForwardingConfig = Omit<z.input<typeof argsSchema>, "cluster"> & {
  /** Name of an existing EKS cluster (the stack config's name for the component's `cluster`). */
  clusterName?: string;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a configuration object before anything touches Pulumi: the component's schema and rules (every problem at
 * once, each naming the config key), then the vendor package file the image build needs.
 * @param raw the configuration object (untyped input is checked too)
 * @param projectDir folder a relative `rpcapdPackage` is resolved against
 * @throws ConfigError listing every problem
 */
export function validateConfig(raw: unknown, projectDir: string): PodPacketForwardingConfig {
  if (!isPlainObject(raw)) {
    throw new ConfigError([`config: must be an object of config keys, got ${JSON.stringify(raw)}`]);
  }
  const problems: string[] = [];
  try {
    checkConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw err;
    }
    problems.push(...err.problems);
  }
  const pkg = raw.rpcapdPackage;
  if (
    typeof pkg === "string" &&
    raw.agentImage === undefined &&
    !problems.some((p) => p.startsWith("rpcapdPackage"))
  ) {
    try {
      checkRpcapdPackage(pkg, projectDir);
    } catch (err) {
      problems.push(`rpcapdPackage: ${(err as Error).message}`);
    }
  }
  if (problems.length) {
    throw new ConfigError(problems);
  }
  return raw as PodPacketForwardingConfig;
}

/**
 * The stack config map for `Stack.setAllConfig`: every key given under the project namespace (strings as they are,
 * everything else as JSON, as `readStackConfig` decodes them), secrets marked, and `aws:region` when a region is
 * given. Only the keys the caller set are written, so defaults stay the component's.
 * @param raw a configuration object that passed `validateConfig`
 * @param region AWS region of the stack's AWS provider (lookups and resources)
 */
export function toStackConfigMap(raw: PodPacketForwardingConfig, region?: string): ConfigMap {
  const map: ConfigMap = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) {
      continue;
    }
    map[`${PROJECT_NAME}:${key}`] = {
      value: STRING_KEYS.has(key) && typeof value === "string" ? value : JSON.stringify(value),
      secret: SECRET_KEYS.has(key),
    };
  }
  if (region) {
    map["aws:region"] = { value: region, secret: false };
  }
  return map;
}

/**
 * Keys of the project namespace present in the stack but absent from the new map: they are removed before an
 * operation, so a key dropped from the config file does not live on in the stack.
 * @param current the stack's config keys (`pulumi config --json`)
 * @param next the map about to be written
 */
export function staleProjectKeys(current: Iterable<string>, next: ConfigMap): string[] {
  const prefix = `${PROJECT_NAME}:`;
  return [...current].filter((key) => key.startsWith(prefix) && !(key in next)).sort();
}
