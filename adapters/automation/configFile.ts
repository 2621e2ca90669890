/**
 * The embedding API's configuration: the same keys and the same validation as the stack config
 * (`components/config.ts`), plus the conversion to the stack's config map and the config file reader of the CLI.
 */
import { STRING_KEYS } from "../stackConfig";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import type { z } from "zod";
import { checkRpcapdPackage } from "../components/agent/buildContext";
import {
  ConfigError,
  parseStackConfig,
  type StackConfig,
  type stackConfigSchema,
} from "../components/config";

/** The Pulumi project (and stack config namespace) of this program, as in `Pulumi.yaml`. */
export const PROJECT_NAME = "pod-packet-forwarding";

/**
 * The typed configuration object of the embedding API: the stack config keys (`clusterName`, `sensorIps`, ...)
 * with optional defaults, exactly what `Pulumi.<stack>.yaml` holds under the project namespace.
 */
export type PodPacketForwardingConfig = z.input<typeof stackConfigSchema>;

/** Config keys whose values are Pulumi secrets in the stack (encrypted in `Pulumi.<stack>.yaml` and the state). */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["kubeconfig"]);

/**
 * Validates a configuration object before anything touches Pulumi: the stack schema (every problem at once, each
 * naming the key), then the vendor package file the build needs.
 * @param raw the configuration object
 * @param projectDir folder a relative `rpcapdPackage` is resolved against
 * @throws ConfigError listing every problem
 */
export function validateConfig(raw: unknown, projectDir: string): StackConfig {
  const config = parseStackConfig(raw);
  if (config.rpcapdPackage && !config.agentImage) {
    checkRpcapdPackage(config.rpcapdPackage, projectDir);
  }
  return config;
}

/**
 * The stack config map for `Stack.setAllConfig`: every key given in `raw` under the project namespace (strings as
 * they are, everything else as JSON, as `readStackConfig` decodes them), `kubeconfig` as a secret, and `aws:region`
 * when a region is given. Only the keys the caller set are written, so defaults stay the schema's.
 * @param raw a configuration object that passed `validateConfig`
 * @param region AWS region for the provider and the lookups
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

/** A config file that cannot be read or parsed; validation problems are `ConfigError`s instead. */
export class ConfigFileError extends Error {
  /** The file as given. */
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`config file ${file}: ${reason}`);
    this.name = "ConfigFileError";
    this.file = file;
  }
}

/** What a config file holds: the project's keys and, optionally, `aws:region`. */
export interface ConfigFile {
  /** The stack config keys, without namespace. */
  config: Record<string, unknown>;
  /** `aws:region` when the file sets it. */
  region?: string;
}

/**
 * Reads a config file for the CLI: JSON (`.json`) or YAML (anything else), either the keys themselves
 * (`{"clusterName": "demo", ...}`) or a stack file's shape (`config:` with `pod-packet-forwarding:`-namespaced keys
 * and `aws:region`), so `Pulumi.<stack>.yaml` works as it is. Keys of other namespaces are refused (they would be
 * silently ignored otherwise); `secure:` values are refused with a pointer to plaintext input.
 * @param file path of the file
 * @throws ConfigFileError when the file is missing, unreadable, not JSON/YAML, or not an object
 */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigFileError(
      file,
      code === "ENOENT"
        ? `does not exist (resolved to ${path.resolve(file)})`
        : `cannot be read (${code ?? String(err)})`,
    );
  }
  const json = file.toLowerCase().endsWith(".json");
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigFileError(
      file,
      `is not valid ${json ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigFileError(file, `must hold an object of config keys, got ${describe(parsed)}`);
  }
  const body =
    isPlainObject(parsed.config) && Object.keys(parsed).every((k) => k === "config") ? parsed.config : parsed;
  const config: Record<string, unknown> = {};
  let region: string | undefined;
  const foreign: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (isPlainObject(value) && "secure" in value && Object.keys(value).length === 1) {
      throw new ConfigFileError(
        file,
        `${key} is a Pulumi-encrypted value (secure:); give the plain value (the API stores it as a secret)`,
      );
    }
    if (key === "aws:region") {
      if (typeof value !== "string") {
        throw new ConfigFileError(file, `aws:region must be a string, got ${describe(value)}`);
      }
      region = value;
    } else if (key.startsWith(`${PROJECT_NAME}:`)) {
      config[key.slice(PROJECT_NAME.length + 1)] = value;
    } else if (key.includes(":")) {
      foreign.push(key);
    } else {
      config[key] = value;
    }
  }
  if (foreign.length) {
    throw new ConfigFileError(file, `keys of other namespaces are not supported: ${foreign.join(", ")}`);
  }
  return { config, region };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null
    ? "null"
    : Array.isArray(v)
      ? "a list"
      : typeof v === "object"
        ? "an object"
        : `${typeof v} ${JSON.stringify(v)}`;
}

export { ConfigError };
