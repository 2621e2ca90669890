/**
 * What `pulumi preview`/`up` do to a stack's config before the program starts: merge the stack's ESC environment
 * under the stack values, add the project's defaults and values, refuse missing required keys, and check typed
 * keys (type, and `secret: true` needing an encrypted value). Ported from pulumi/pulumi pkg/workspace/config.go
 * (`mergeConfig`, `ValidateStackConfigAndApplyProjectConfig`, `ApplyProjectConfig`, `validateStackConfigValues`,
 * `validateStackConfigValue`, `formatMissingKeys`, `missingStackConfigurationKeysError`, `parseConfigKey`,
 * `createConfigValue`, `toConfigMap`, `toPlaintext`) at the commit in `./source.ts`. The CLI prefixes these errors
 * with `validating stack config: ` (pkg/cmd/pulumi/operations/up.go).
 *
 * Two consequences worth knowing: a key declared without `default`/`value` is required of every stack whatever
 * its `type`; and `secret: true` is only enforced on keys that also declare a `type` (the secret check sits inside
 * the typed-key branch of `validateStackConfigValues`).
 */
import { ConfigKey, mustMakeKey, parseKey } from "./configKey";
import { ConfigMap } from "./configMap";
import {
  ConfigValue,
  encryptPlaintext,
  marshalValue,
  PlaintextMap,
  PlaintextSecret,
  type Plaintext,
} from "./configValue";
import type { Decrypter, Encrypter } from "./crypter";
import { goJsonDecode, goJsonMarshal, JsonNumber, type JsonValue } from "./goJson";
import { GoMap, goPrintScalar, isGoInt, type GoValue } from "./goValue";
import { inferFullTypeName, validateConfigValue, type Project, type ProjectConfigType } from "./project";

/** A value of the stack's ESC environment (`esc.Value`): `pulumiConfig` entries merge into the stack config. */
export interface EscValue {
  /** The value; numbers as `json.Number`. */
  value: null | boolean | JsonNumber | string | EscValue[] | { [key: string]: EscValue };
  /** A secret (encrypted into the stack config). */
  secret?: boolean;
  /** Not known yet (`[unknown]`). */
  unknown?: boolean;
}

/** Inputs of `mergeConfig`. */
export interface MergeConfigInputs {
  /** Stack name, as in `Stack 'dev' is missing ...`. */
  stackName: string;
  /** The loaded project. */
  project: Project;
  /** The stack environment's `pulumiConfig` (absent: no environment). */
  stackEnv?: EscValue;
  /** The stack's config, updated in place with environment values and project defaults. */
  stackConfig: ConfigMap;
  /** Encrypts environment secrets into the stack config. */
  encrypter: Encrypter;
  /** Decrypts for validation; absent (Go nil) skips the value checks. */
  decrypter?: Decrypter;
}

/** `formatMissingKeys`: `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'` (sorted when more than one). */
export function formatMissingKeys(missingKeys: string[]): string {
  if (missingKeys.length === 1) {
    return `'${missingKeys[0]}'`;
  }
  const sorted = [...missingKeys].sort();
  return sorted
    .map((key, index) =>
      index === sorted.length - 1 ? `and '${key}'` : index === sorted.length - 2 ? `'${key}' ` : `'${key}', `,
    )
    .join("");
}

/** `missingStackConfigurationKeysError`'s text. */
export function missingKeysMessage(missingKeys: string[], stackName: string): string {
  const valueOrValues = missingKeys.length > 1 ? "values" : "value";
  return `Stack '${stackName}' is missing configuration ${valueOrValues} ${formatMissingKeys(missingKeys)}`;
}

/** `parseConfigKey`: an unqualified key belongs to the project. */
export function parseConfigKey(projectName: string, key: string): ConfigKey {
  return key.includes(":") ? parseKey(key) : mustMakeKey(projectName, key);
}

/** `createConfigValue`: a string, int or bool default is stored as its text; anything else as JSON. */
export function createConfigValue(raw: GoValue): ConfigValue {
  if (typeof raw === "string" || typeof raw === "boolean" || isGoInt(raw)) {
    return ConfigValue.plain(goPrintScalar(raw));
  }
  return ConfigValue.object(goJsonMarshal(raw));
}

/** `toPlaintext`. */
function toPlaintext(v: EscValue): Plaintext {
  if (v.unknown) {
    return v.secret ? new PlaintextSecret("[unknown]") : "[unknown]";
  }
  const repr = v.value;
  if (repr === null || typeof repr === "boolean") {
    return repr;
  }
  if (repr instanceof JsonNumber) {
    if (/^-?\d+$/.test(repr.text) && BigInt(repr.text) >= -(2n ** 63n) && BigInt(repr.text) < 2n ** 63n) {
      return BigInt(repr.text);
    }
    const f = Number(repr.text);
    return Number.isFinite(f) ? f : repr.text;
  }
  if (typeof repr === "string") {
    return v.secret ? new PlaintextSecret(repr) : repr;
  }
  if (Array.isArray(repr)) {
    return repr.map(toPlaintext);
  }
  return new PlaintextMap(Object.entries(repr).map(([k, e]) => [k, toPlaintext(e)]));
}

/** `toConfigMap`: the environment's `pulumiConfig`, secrets encrypted, keys namespaced. */
async function toConfigMap(
  env: EscValue | undefined,
  defaultNamespace: string,
  encrypter: Encrypter,
): Promise<ConfigMap> {
  const map = new ConfigMap();
  const entries =
    env &&
    env.value &&
    typeof env.value === "object" &&
    !Array.isArray(env.value) &&
    !(env.value instanceof JsonNumber)
      ? Object.entries(env.value)
      : [];
  for (const [rawKey, value] of entries) {
    const key = parseConfigKey(defaultNamespace, rawKey);
    map.set(key, marshalValue(await encryptPlaintext(toPlaintext(value), encrypter)), false);
  }
  return map;
}

/** The CLI's config errors. */
export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

/**
 * `mergeConfig`. With `validate`, fails like the CLI on missing required keys, then on the first bad typed value
 * (keys in sorted order).
 */
export async function mergeConfig(inputs: MergeConfigInputs, validate: boolean): Promise<void> {
  const { project, stackConfig } = inputs;
  const envConfig = await toConfigMap(inputs.stackEnv, project.name, inputs.encrypter);
  for (const key of envConfig.keys()) {
    const envValue = envConfig.raw(key) as ConfigValue;
    const stack = stackConfig.get(key, false);
    // JSON merge patch (RFC 7386): the stack's value wins over the environment's.
    stackConfig.set(key, stack.found ? stack.value.merge(envValue) : envValue, false);
  }

  const missing: string[] = [];
  for (const projectKey of [...project.config.keys()].sort()) {
    const configType = project.config.get(projectKey) as ProjectConfigType;
    const key = parseConfigKey(project.name, projectKey);
    const { found } = stackConfig.get(key, true);
    const hasDefault = configType.default !== undefined;
    const hasValue = configType.value !== undefined;
    if (!found && !hasValue && !hasDefault && key.namespace === project.name) {
      missing.push(projectKey);
      continue;
    }
    if (!found && (hasValue || hasDefault)) {
      const value = hasDefault ? configType.default : configType.value;
      stackConfig.set(key, createConfigValue(value as GoValue), true);
    }
  }
  if (validate && missing.length > 0) {
    throw new StackConfigError(missingKeysMessage(missing, inputs.stackName));
  }
  if (validate) {
    await validateStackConfigValues(inputs.stackName, project, stackConfig, inputs.decrypter);
  }
}

/** `ValidateStackConfigAndApplyProjectConfig`: what preview, up, destroy and refresh run. */
export function validateStackConfigAndApplyProjectConfig(inputs: MergeConfigInputs): Promise<void> {
  return mergeConfig(inputs, true);
}

/** `ApplyProjectConfig`: defaults applied, nothing validated (`--skip-config-validation`, `config get`). */
export function applyProjectConfig(inputs: MergeConfigInputs): Promise<void> {
  return mergeConfig(inputs, false);
}

/** `validateStackConfigValues`: every typed project key's stack value checked, in sorted key order. */
export async function validateStackConfigValues(
  stackName: string,
  project: Project,
  stackConfig: ConfigMap,
  decrypter: Decrypter | undefined,
): Promise<void> {
  if (!decrypter) {
    return;
  }
  // The batch decrypt the CLI runs first: a decrypter that fails fails here.
  await stackConfig.decrypt(decrypter);
  for (const projectKey of [...project.config.keys()].sort()) {
    const configType = project.config.get(projectKey) as ProjectConfigType;
    const key = parseConfigKey(project.name, projectKey);
    const { value } = stackConfig.get(key, true);
    if (configType.type !== undefined) {
      const decrypted = await value.value(decrypter);
      validateStackConfigValue(stackName, projectKey, configType, value, decrypted);
    }
  }
}

/**
 * `validateStackConfigValue`: a `secret: true` key must be encrypted; the value (the string, or its JSON decoded
 * with `json.Unmarshal` for objects) must fit the declared type.
 */
export function validateStackConfigValue(
  stackName: string,
  projectKey: string,
  configType: ProjectConfigType,
  stackValue: ConfigValue,
  decryptedValue: string,
): void {
  if (configType.secret && !stackValue.isSecure()) {
    throw new StackConfigError(
      `Stack '${stackName}' with configuration key '${projectKey}' must be encrypted as it's secret`,
    );
  }
  const content: GoValue = stackValue.isObject() ? jsonToGo(goJsonDecode(decryptedValue)) : decryptedValue;
  const typeName = configType.type ?? "";
  if (!validateConfigValue(typeName, configType.items, content)) {
    throw new StackConfigError(
      `Stack '${stackName}' with configuration key '${projectKey}' must be of type '${inferFullTypeName(typeName, configType.items)}'`,
    );
  }
}

/** `json.Unmarshal` into `any`: numbers become float64. */
function jsonToGo(value: JsonValue): GoValue {
  if (value instanceof JsonNumber) {
    return Number(value.text);
  }
  if (Array.isArray(value)) {
    return value.map(jsonToGo);
  }
  if (value instanceof Map) {
    return new GoMap([...value].map(([k, v]) => [k, jsonToGo(v)]));
  }
  return value;
}
