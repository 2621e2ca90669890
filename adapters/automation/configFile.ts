/**
 * Reads a configuration file for the command line and the offline plan: JSON (`.json`) or YAML (anything else),
 * either the config keys themselves (`{"clusterName": "demo", ...}`) or a stack file as the Pulumi CLI reads it
 * (`Pulumi.<stack>.yaml`: `config:` with `pod-packet-forwarding:`-namespaced keys, `aws:region`, and the stack
 * file's other top-level fields).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { PROJECT_NAME } from "../stack/stackConfig";

/**
 * Top-level fields of a stack file besides `config` (pulumi/pulumi `sdk/go/common/workspace/project.go`,
 * `ProjectStack`: `secretsprovider`, `encryptedkey`, `encryptionsalt`, `config`, `environment`).
 */
const STACK_FILE_FIELDS: ReadonlySet<string> = new Set([
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
  "environment",
  "config",
]);

/** A config file that cannot be read or parsed, or holds something else than config keys. */
export class ConfigFileError extends Error {
  /** The file as given. */
  readonly file: string;
  /** What is wrong with it, without the file name. */
  readonly reason: string;
  constructor(file: string, reason: string) {
    super(`config file ${file}: ${reason}`);
    this.name = "ConfigFileError";
    this.file = file;
    this.reason = reason;
  }
}

/** What a config file holds. */
export interface ConfigFile {
  /** The project's config keys (without namespace) with plain values; encrypted ones are left out. */
  config: Record<string, unknown>;
  /** `aws:region` when the file sets it. */
  region?: string;
  /** Project keys whose value is Pulumi-encrypted (`secure: v1:...`), which only the stack's secrets provider reads. */
  encrypted: string[];
  /** Keys of other namespaces (`aws:profile`, `kubernetes:context`, ...), with their values. */
  otherNamespaces: Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value for a message: its kind, and the value itself when it is short. */
export function describeValue(v: unknown): string {
  if (v === null) {
    return "null";
  }
  if (Array.isArray(v)) {
    return "a list";
  }
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/** The stack file's `config` block when the file is a stack file, else the file's body itself. */
function configBody(parsed: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(parsed);
  if (isPlainObject(parsed.config) && keys.every((k) => STACK_FILE_FIELDS.has(k))) {
    return parsed.config;
  }
  return parsed;
}

/**
 * Reads and parses a config file.
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
        : code === "EISDIR"
          ? "is a folder, not a file"
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
    throw new ConfigFileError(file, `must hold an object of config keys, got ${describeValue(parsed)}`);
  }
  const result: ConfigFile = { config: {}, encrypted: [], otherNamespaces: {} };
  for (const [key, value] of Object.entries(configBody(parsed))) {
    const own = key.startsWith(`${PROJECT_NAME}:`)
      ? key.slice(PROJECT_NAME.length + 1)
      : key.includes(":")
        ? undefined
        : key;
    if (key === "aws:region") {
      if (typeof value !== "string") {
        throw new ConfigFileError(file, `aws:region must be a string, got ${describeValue(value)}`);
      }
      result.region = value;
    } else if (own === undefined) {
      result.otherNamespaces[key] = value;
    } else if (isPlainObject(value) && "secure" in value && Object.keys(value).length === 1) {
      result.encrypted.push(own);
    } else {
      result.config[own] = value;
    }
  }
  return result;
}

/**
 * The file's config for the embedding API, which writes only the project's keys and `aws:region` to the stack: an
 * encrypted value or a key of another namespace would be silently lost, so both are refused.
 * @throws ConfigFileError naming the keys
 */
export function plainProjectConfig(file: string, read: ConfigFile): Record<string, unknown> {
  if (read.encrypted.length) {
    throw new ConfigFileError(
      file,
      `${read.encrypted.join(", ")}: Pulumi-encrypted value(s) (secure:); give the plain value (the API stores it as a secret)`,
    );
  }
  const foreign = Object.keys(read.otherNamespaces);
  if (foreign.length) {
    throw new ConfigFileError(
      file,
      `keys of other namespaces are not supported: ${foreign.join(", ")} (only ${PROJECT_NAME}:* and aws:region)`,
    );
  }
  return read.config;
}
