/**
 * Loading a Pulumi.yaml the way the CLI does, up to its `config:` block: schema check, the shorthand rewrite
 * (`key: value` becomes a default, `ns:key: value` a value), and `Project.Validate`'s rules for config
 * declarations. Ported from pulumi/pulumi sdk/go/common/workspace/loaders.go (`LoadProjectBytes`) and project.go
 * (`ValidateProject`, `SimplifyMarshalledValue`, `RewriteConfigPathIntoStackConfigDir`,
 * `RewriteShorthandConfigValues`, `Project.Validate`, `ValidateConfigValue`, `InferFullTypeName`) at the commit in
 * `./source.ts`. Fields outside `name`, `config` and `stackConfigDir` are schema-checked but not modelled.
 */
import { decodeYaml } from "./goYaml";
import { GoAnyMap, GoMap, goBadVerb, isGoInt, type GoValue } from "./goValue";
import {
  findClosestKey,
  formatMultiError,
  MAX_ATTRIBUTE_DISTANCE,
  schemaErrorLines,
  validateAgainstProjectSchema,
} from "./projectSchema";

/** `ProjectConfigItemsType`: the element type of an array declaration. */
export interface ProjectConfigItemsType {
  /** `string`, `integer`, `boolean`, `array` or `object`. */
  type: string;
  /** Element type when `type` is `array`. */
  items?: ProjectConfigItemsType;
}

/** `ProjectConfigType`: one entry of the project's `config:` block. */
export interface ProjectConfigType {
  /** Declared type; absent for an untyped entry (a shorthand default, or a `value`). */
  type?: string;
  /** Free text. */
  description: string;
  /** Element type of an array. */
  items?: ProjectConfigItemsType;
  /** Value used when the stack has none (absent: the key is required). YAML `null` counts as absent. */
  default?: GoValue;
  /** Value for keys of other namespaces (`aws:region`). */
  value?: GoValue;
  /** The stack value must be encrypted. */
  secret: boolean;
}

/** The parts of a project the config rules read. */
export interface Project {
  /** Project name, the namespace of unqualified config keys. */
  name: string;
  /** Config declarations by key as written (`sensorIps`, `aws:region`). */
  config: Map<string, ProjectConfigType>;
  /** Where the stack files live (relative to the project). */
  stackConfigDir?: string;
}

const ARRAY_TYPE = "array";
const INTEGER_TYPE = "integer";
const STRING_TYPE = "string";
const BOOLEAN_TYPE = "boolean";
const OBJECT_TYPE = "object";

/** `LoadProjectBytes`: the project in `text`, or the CLI's error (`could not validate 'Pulumi.yaml': ...`). */
export function loadProject(text: string, path = "Pulumi.yaml"): Project {
  let raw: GoValue;
  try {
    raw = path.endsWith(".json") ? fromJson(JSON.parse(text) as unknown) : decodeYaml(text);
  } catch (err) {
    throw new Error(`could not unmarshal '${path}': ${(err as Error).message}`);
  }
  try {
    validateProject(raw);
  } catch (err) {
    throw new Error(`could not validate '${path}': ${(err as Error).message}`);
  }
  let projectDef = simplifyMarshalledProject(raw);
  projectDef = rewriteConfigPathIntoStackConfigDir(projectDef);
  projectDef = rewriteShorthandConfigValues(projectDef);
  const project = toProject(projectDef);
  try {
    validateProjectConfig(project);
  } catch (err) {
    throw new Error(`could not unmarshal '${path}': ${(err as Error).message}`);
  }
  return project;
}

/** encoding/json into `any`: numbers are float64. */
function fromJson(value: unknown): GoValue {
  if (Array.isArray(value)) {
    return value.map(fromJson);
  }
  if (value !== null && typeof value === "object") {
    return new GoMap(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value as GoValue;
}

/** Go's `%T` for the CLI's "expected project to be an object, was '%T'". */
function goTypeName(v: GoValue): string {
  if (v === null) {
    return "<nil>";
  }
  if (typeof v === "bigint") {
    return isGoInt(v) ? "int" : "uint64";
  }
  if (typeof v === "number") {
    return "float64";
  }
  if (typeof v === "boolean") {
    return "bool";
  }
  if (typeof v === "string") {
    return "string";
  }
  if (Array.isArray(v)) {
    return "[]interface {}";
  }
  return v instanceof GoAnyMap ? "map[interface {}]interface {}" : "map[string]interface {}";
}

/**
 * `SimplifyMarshalledValue`: `map[any]any` becomes `map[string]any` (or fails on a non-string key), recursing
 * into those maps and into lists. A `map[string]any` is returned as it is, without looking inside: the CLI
 * behaves the same (its test expects a nested `6: bad` under a string-keyed map to pass this step).
 */
export function simplifyMarshalledValue(value: GoValue): GoValue {
  if (value instanceof GoAnyMap) {
    const out = new GoMap();
    for (const [k, v] of value) {
      if (typeof k !== "string") {
        throw new Error(`expected only string keys, got '${goBadVerb(k)}'`);
      }
      out.set(k, simplifyMarshalledValue(v));
    }
    return out;
  }
  if (Array.isArray(value)) {
    return value.map(simplifyMarshalledValue);
  }
  return value;
}

/** `SimplifyMarshalledProject`. */
export function simplifyMarshalledProject(raw: GoValue): GoMap {
  const result = simplifyMarshalledValue(raw);
  if (!(result instanceof GoMap)) {
    throw new Error(`expected project to be an object, was '${goTypeName(result)}'`);
  }
  return result;
}

/** `ValidateProject`: the name, then the whole document against project.json. */
export function validateProject(raw: GoValue): void {
  const project = simplifyMarshalledProject(raw);
  if (!project.has("name")) {
    const closest = findClosestKey("name", project.keys(), MAX_ATTRIBUTE_DISTANCE);
    if (closest !== "") {
      throw new Error(`project is missing a 'name' attribute; found '${closest}' instead`);
    }
    throw new Error("project is missing a 'name' attribute");
  }
  const name = project.get("name");
  if (typeof name !== "string" || name === "") {
    throw new Error("project is missing a non-empty string 'name' attribute");
  }
  const error = validateAgainstProjectSchema(project);
  if (error) {
    throw new Error(formatMultiError(schemaErrorLines(error)));
  }
}

/** `RewriteConfigPathIntoStackConfigDir`: the deprecated `config: <path>` means `stackConfigDir: <path>`. */
export function rewriteConfigPathIntoStackConfigDir(project: GoMap): GoMap {
  const config = project.get("config");
  if (typeof config === "string") {
    if (project.has("stackConfigDir")) {
      throw new Error(
        "Should not use both config and stackConfigDir to define the stack directory. Use only stackConfigDir instead.",
      );
    }
    const out = new GoMap(project);
    out.set("stackConfigDir", config);
    out.set("config", null);
    return out;
  }
  return project;
}

/** `isPrimitiveValue` of project.go: string, int or bool (not float64, not uint64). */
function isPrimitiveValue(value: GoValue): boolean {
  return typeof value === "string" || typeof value === "boolean" || isGoInt(value);
}

/** `configKeyIsNamespacedByProject`. */
export function configKeyIsNamespacedByProject(projectName: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/**
 * `RewriteShorthandConfigValues`: a scalar or list written directly under a key becomes `{default: ...}` for the
 * project's own keys and `{value: ...}` for other namespaces.
 */
export function rewriteShorthandConfigValues(project: GoMap): GoMap {
  const config = project.get("config");
  const projectName = project.get("name") as string;
  if (!(config instanceof GoMap)) {
    return project;
  }
  const rewritten = new GoMap(config);
  for (const [key, value] of config) {
    if (isPrimitiveValue(value) || Array.isArray(value)) {
      const attribute = configKeyIsNamespacedByProject(projectName, key) ? "default" : "value";
      rewritten.set(key, new GoMap([[attribute, value]]));
    }
  }
  const out = new GoMap(project);
  out.set("config", rewritten);
  return out;
}

/** The YAML round trip into `Project`: each config entry decoded into `ProjectConfigType`. */
function toProject(def: GoMap): Project {
  const config = new Map<string, ProjectConfigType>();
  const block = def.get("config");
  if (block instanceof GoMap) {
    for (const [key, entry] of block) {
      config.set(key, toConfigType(key, entry));
    }
  }
  const dir = def.get("stackConfigDir");
  return {
    name: def.get("name") as string,
    config,
    stackConfigDir: typeof dir === "string" ? dir : undefined,
  };
}

function toConfigType(key: string, entry: GoValue): ProjectConfigType {
  if (entry === null) {
    return { description: "", secret: false };
  }
  if (!(entry instanceof GoMap)) {
    throw new Error(
      `yaml: unmarshal errors: cannot unmarshal the value of ${key} into workspace.ProjectConfigType`,
    );
  }
  const field = (name: string): GoValue | undefined => {
    const v = entry.get(name);
    return v === null ? undefined : v;
  };
  const type = field("type");
  if (type !== undefined && typeof type !== "string") {
    throw new Error(`yaml: unmarshal errors: cannot unmarshal ${key}.type into string`);
  }
  const secret = field("secret");
  const description = field("description");
  return {
    type,
    description: typeof description === "string" ? description : "",
    items: toItemsType(key, field("items")),
    default: field("default"),
    value: field("value"),
    secret: secret === true,
  };
}

function toItemsType(key: string, items: GoValue | undefined): ProjectConfigItemsType | undefined {
  if (items === undefined) {
    return undefined;
  }
  if (!(items instanceof GoMap) || (items.has("type") && typeof items.get("type") !== "string")) {
    throw new Error(
      `yaml: unmarshal errors: cannot unmarshal ${key}.items into workspace.ProjectConfigItemsType`,
    );
  }
  const nested = items.get("items");
  return {
    type: (items.get("type") as string | undefined) ?? "",
    items: nested === null || nested === undefined ? undefined : toItemsType(key, nested),
  };
}

/** `InferFullTypeName`: `array<array<string>>` and so on. */
export function inferFullTypeName(typeName: string, items?: ProjectConfigItemsType): string {
  if (items) {
    return `array<${inferFullTypeName(items.type, items.items)}>`;
  }
  return typeName;
}

/**
 * `ValidateConfigValue`: whether a value (a stack value as a string, or its decoded JSON; or a declared default)
 * fits the declared type. Integers may be given as whole floats or as strings that parse as integers; booleans
 * as `true`/`false` strings.
 */
export function validateConfigValue(
  typeName: string,
  items: ProjectConfigItemsType | undefined,
  value: GoValue,
): boolean {
  if (typeName === STRING_TYPE) {
    return typeof value === "string";
  }
  if (typeName === INTEGER_TYPE) {
    if (isGoInt(value)) {
      return true;
    }
    if (typeof value === "number") {
      return value === Math.trunc(value);
    }
    if (typeof value === "string") {
      return isAtoi(value);
    }
    return false;
  }
  if (typeName === BOOLEAN_TYPE) {
    if (value === "true" || value === "false") {
      return true;
    }
    return typeof value === "boolean";
  }
  if (typeName === OBJECT_TYPE) {
    return value instanceof GoMap;
  }
  if (!Array.isArray(value) || items === undefined) {
    return false;
  }
  return value.every((item) => validateConfigValue(items.type, items.items, item));
}

/** `strconv.Atoi` succeeds: an optional sign and decimal digits that fit in 64 bits. */
function isAtoi(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) {
    return false;
  }
  const i = BigInt(text);
  return i >= -(2n ** 63n) && i < 2n ** 63n;
}

/**
 * `Project.Validate` for the config block: no entry with both `default` and `value`; project keys typed `array`
 * need `items`; typed defaults must fit; other namespaces take only an untyped `value`.
 * (The CLI stops at the first violation in map order; this port checks keys in sorted order.)
 */
export function validateProjectConfig(project: Project): void {
  if (project.name === "") {
    throw new Error("project is missing a 'name' attribute");
  }
  for (const key of [...project.config.keys()].sort()) {
    const configType = project.config.get(key) as ProjectConfigType;
    if (configType.default !== undefined && configType.value !== undefined) {
      throw new Error(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    const typeName = configType.type ?? "";
    if (configKeyIsNamespacedByProject(project.name, key)) {
      if (configType.type !== undefined && typeName === ARRAY_TYPE && configType.items === undefined) {
        throw new Error(
          `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
        );
      }
      if (
        configType.type !== undefined &&
        configType.default !== undefined &&
        !validateConfigValue(typeName, configType.items, configType.default)
      ) {
        throw new Error(
          `The default value specified for configuration key '${key}' is not of the expected type '${inferFullTypeName(typeName, configType.items)}'`,
        );
      }
    } else {
      if (configType.type !== undefined) {
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a type`,
        );
      }
      if (configType.default !== undefined) {
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a default value. ` +
            "Did you mean to use the 'value' attribute instead of 'default'?",
        );
      }
      if (configType.value === undefined) {
        throw new Error(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
      }
    }
  }
}
