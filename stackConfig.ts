/**
 * Reads this project's stack configuration as one raw object for `parseStackConfig`. Uses the runtime's full
 * config map so unknown keys (typos) are reported instead of silently ignored.
 */
import * as pulumi from "@pulumi/pulumi";

/** Keys whose values are strings; every other key holds JSON (lists, objects, numbers). */
export const STRING_KEYS: ReadonlySet<string> = new Set([
  "clusterName",
  "rpcapdPackage",
  "agentImage",
  "namespace",
  "excludeNodeLabel",
  "reconcileSchedule",
  "imagePlatform",
  "kubeconfig",
]);

/**
 * The project's config values by key, JSON-decoded where the key is structured. A value that is not valid JSON
 * is passed on as the string it is, so the schema reports it with the key name.
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
