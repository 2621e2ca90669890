/**
 * The CLI's JSON-schema check of a Pulumi.yaml, with its error texts.
 *
 * - The schema is the CLI's own file, copied verbatim: `project.schema.json` is pulumi/pulumi
 *   sdk/go/common/workspace/project.json (Apache-2.0) at the commit in `./source.ts`.
 * - Evaluation follows santhosh-tekuri/jsonschema v5.0.0 (`Schema.validate` in schema.go: keyword order, early
 *   return on a type mismatch, the messages `expected string, but got number`, `additionalProperties 'x' not
 *   allowed`, `missing properties: 'items'`, `oneOf failed`, `doesn't validate with '/$defs/…'`, `if-then
 *   failed`), for exactly the keywords project.json uses (type, const, enum, properties, additionalProperties,
 *   required, items, minLength, $ref, oneOf, if/then); any other keyword is refused rather than ignored.
 * - Reporting follows pulumi's `ValidateProject` (sdk/go/common/workspace/project.go): every nested error with an
 *   instance location, `did you mean '…'?` for a misspelt attribute (Levenshtein distance at most 2, via
 *   `getSchemaPathAttributes`/`findClosestKey`), joined as hashicorp/go-multierror lists them.
 * Where Go iterates a map (property order, several unknown attributes), this port sorts, so its output is stable
 * where the CLI's order may vary.
 */
import projectSchemaJson from "./project.schema.json";
import { GoAnyMap, GoMap, type GoValue } from "./goValue";

/** A JSON schema node (the subset project.json uses). */
interface SchemaNode {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  required?: string[];
  items?: Schema;
  minLength?: number;
  $ref?: string;
  oneOf?: Schema[];
  if?: Schema;
  then?: Schema;
  $defs?: Record<string, Schema>;
}
type Schema = boolean | SchemaNode;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "examples", "$comment"]);
const SUPPORTED = new Set([
  "type",
  "const",
  "enum",
  "properties",
  "additionalProperties",
  "required",
  "items",
  "minLength",
  "$ref",
  "oneOf",
  "if",
  "then",
  "$defs",
]);

/** The CLI's project schema (project.json). */
export const PROJECT_SCHEMA = projectSchemaJson as unknown as SchemaNode;

/** A schema violation (`jsonschema.ValidationError`). */
export interface SchemaError {
  /** JSON pointer of the value at fault (`/config/sensorIps`); empty for the document. */
  instanceLocation: string;
  /** What is wrong; empty for an error that only groups others. */
  message: string;
  /** The errors underneath. */
  causes: SchemaError[];
}

function resolveRef(root: SchemaNode, ref: string): { schema: Schema; location: string } {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const target = match ? root.$defs?.[match[1]] : undefined;
  if (target === undefined) {
    throw new Error(`unsupported $ref ${ref}`);
  }
  return { schema: target, location: ref.slice(1) };
}

function jsonType(v: GoValue): string {
  if (v === null) {
    return "null";
  }
  if (typeof v === "boolean") {
    return "boolean";
  }
  if (typeof v === "bigint" || typeof v === "number") {
    return "number";
  }
  if (typeof v === "string") {
    return "string";
  }
  if (Array.isArray(v)) {
    return "array";
  }
  if (v instanceof GoAnyMap) {
    throw new Error("jsonschema: invalid json type map[interface {}]interface {}");
  }
  return "object";
}

function isInteger(v: GoValue): boolean {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

function equalsJson(a: GoValue, b: unknown): boolean {
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equalsJson(x, b[i]));
  }
  if (a instanceof GoMap && b !== null && typeof b === "object" && !Array.isArray(b)) {
    const bo = b as Record<string, unknown>;
    return a.size === Object.keys(bo).length && [...a].every(([k, v]) => k in bo && equalsJson(v, bo[k]));
  }
  return a === b;
}

/** Go's `%#v` of a JSON scalar in an enum or const message. */
function goSyntax(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** jsonschema's `quote`: single quotes. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** JSON-pointer escaping of a property name in an instance location. */
function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** `Schema.validate`: the error for `value` at `vloc`, or undefined when it is valid. */
function validate(root: SchemaNode, schema: Schema, value: GoValue, vloc: string): SchemaError | undefined {
  const error = (message: string, causes: SchemaError[] = []): SchemaError => ({
    instanceLocation: vloc,
    message,
    causes,
  });
  if (typeof schema === "boolean") {
    return schema ? undefined : error("not allowed");
  }
  for (const keyword of Object.keys(schema)) {
    if (!SUPPORTED.has(keyword) && !ANNOTATIONS.has(keyword)) {
      throw new Error(`schema keyword ${keyword} is not ported`);
    }
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const vType = jsonType(value);
    if (!types.some((t) => t === vType || (t === "integer" && vType === "number" && isInteger(value)))) {
      return error(`expected ${types.join(" or ")}, but got ${vType}`);
    }
  }
  const errors: SchemaError[] = [];
  if ("const" in schema && !equalsJson(value, schema.const)) {
    const c = schema.const;
    errors.push(error(c !== null && typeof c === "object" ? "const failed" : `value must be ${goSyntax(c)}`));
  }
  if (schema.enum && !schema.enum.some((item) => equalsJson(value, item))) {
    const primitives = schema.enum.every((item) => item === null || typeof item !== "object");
    const message = !primitives
      ? "enum failed"
      : schema.enum.length === 1
        ? `value must be ${goSyntax(schema.enum[0])}`
        : `value must be one of ${schema.enum.map(goSyntax).join(", ")}`;
    errors.push(error(message));
  }
  if (value instanceof GoMap) {
    if (schema.required) {
      const missing = schema.required.filter((p) => !value.has(p)).map(quote);
      if (missing.length > 0) {
        errors.push(error(`missing properties: ${missing.join(", ")}`));
      }
    }
    const declared = schema.properties ?? {};
    for (const [name, propertySchema] of Object.entries(declared)) {
      if (value.has(name)) {
        const err = validate(
          root,
          propertySchema,
          value.get(name) as GoValue,
          `${vloc}/${escapePointer(name)}`,
        );
        if (err) {
          errors.push(err);
        }
      }
    }
    if (schema.additionalProperties !== undefined) {
      const others = [...value.keys()].filter((k) => !(k in declared)).sort();
      if (schema.additionalProperties === false) {
        if (others.length > 0) {
          errors.push(error(`additionalProperties ${others.map(quote).join(", ")} not allowed`));
        }
      } else {
        for (const name of others) {
          const err = validate(
            root,
            schema.additionalProperties,
            value.get(name) as GoValue,
            `${vloc}/${escapePointer(name)}`,
          );
          if (err) {
            errors.push(err);
          }
        }
      }
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) {
      const err = validate(root, schema.items, item, `${vloc}/${i}`);
      if (err) {
        errors.push(err);
      }
    }
  }
  if (typeof value === "string" && schema.minLength !== undefined) {
    const length = [...value].length;
    if (length < schema.minLength) {
      errors.push(error(`length must be >= ${schema.minLength}, but got ${length}`));
    }
  }
  if (schema.$ref !== undefined) {
    const target = resolveRef(root, schema.$ref);
    const err = validate(root, target.schema, value, vloc);
    if (err) {
      // ValidationError.causes: a grouping error (empty message) hands over its causes.
      errors.push(
        error(`doesn't validate with ${quote(target.location)}`, err.message === "" ? err.causes : [err]),
      );
    }
  }
  if (schema.oneOf) {
    let matched = -1;
    const causes: SchemaError[] = [];
    for (const [i, branch] of schema.oneOf.entries()) {
      const err = validate(root, branch, value, vloc);
      if (!err) {
        if (matched === -1) {
          matched = i;
        } else {
          errors.push(error(`valid against schemas at indexes ${matched} and ${i}`));
          break;
        }
      } else {
        causes.push(err);
      }
    }
    if (matched === -1) {
      errors.push(error("oneOf failed", causes));
    }
  }
  if (
    schema.if !== undefined &&
    validate(root, schema.if, value, vloc) === undefined &&
    schema.then !== undefined
  ) {
    const err = validate(root, schema.then, value, vloc);
    if (err) {
      errors.push(error("if-then failed", [err]));
    }
  }
  if (errors.length === 0) {
    return undefined;
  }
  return errors.length === 1 ? errors[0] : error("", errors);
}

/** The schema's violations for a decoded project document, or undefined when it conforms. */
export function validateAgainstProjectSchema(project: GoValue): SchemaError | undefined {
  return validate(PROJECT_SCHEMA, PROJECT_SCHEMA, project, "");
}

/** Levenshtein distance with unit insert, delete and substitute costs (`levenshtein.DefaultOptionsWithSub`). */
export function levenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[y.length];
}

/** `findClosestKey`: the alphabetically first key within `maxDistance` edits of the needle, case-insensitively. */
export function findClosestKey(needle: string, haystack: Iterable<string>, maxDistance: number): string {
  let match = "";
  let closest = maxDistance + 1;
  for (const key of [...haystack].sort()) {
    const d = levenshtein(needle.toLowerCase(), key.toLowerCase());
    if (d === 0) {
      return key;
    }
    if (d < closest) {
      closest = d;
      match = key;
    }
  }
  return match;
}

/** `maxValidationAttributeDistance`. */
export const MAX_ATTRIBUTE_DISTANCE = 2;

/**
 * `getSchemaPathAttributes`: the attributes the schema allows at an instance location, following properties,
 * `$ref` and array items only (like the CLI, it does not look through `oneOf` or `additionalProperties`).
 */
function schemaPathAttributes(path: string): string[] {
  let current: Schema = PROJECT_SCHEMA;
  const follow = (s: Schema): Schema =>
    typeof s !== "boolean" && s.$ref !== undefined ? resolveRef(PROJECT_SCHEMA, s.$ref).schema : s;
  for (const attr of path.split("/")) {
    if (attr === "") {
      continue;
    }
    current = follow(current);
    if (typeof current === "boolean") {
      return [];
    }
    const next: Schema | undefined = current.properties?.[attr];
    if (next !== undefined) {
      current = next;
      continue;
    }
    if (/^\d+$/.test(attr) && current.items !== undefined) {
      current = current.items;
      continue;
    }
    return [];
  }
  current = follow(current);
  return typeof current === "boolean" ? [] : Object.keys(current.properties ?? {});
}

/**
 * `ValidateProject`'s report of schema errors: one line per located error, with a suggestion for a misspelt
 * attribute, as `#<location>: <message>`.
 */
export function schemaErrorLines(root: SchemaError): string[] {
  const lines: string[] = [];
  const visit = (err: SchemaError): void => {
    if (err.instanceLocation !== "" && err.message !== "") {
      let message = err.message;
      const notAllowed = /'(\w[a-zA-Z0-9_]*)' not allowed$/.exec(message);
      if (notAllowed) {
        const attributes = schemaPathAttributes(err.instanceLocation);
        const closest = findClosestKey(notAllowed[1], attributes, MAX_ATTRIBUTE_DISTANCE);
        if (closest !== "") {
          message = `${message}; did you mean '${closest}'?`;
        } else if (attributes.length > 0) {
          const valid = attributes.map((a) => `'${a}'`).sort();
          message =
            valid.length > 1
              ? `${message}; the allowed attributes are ${valid.slice(0, -1).join(", ")} and ${valid[valid.length - 1]}`
              : `${message}; the only allowed attribute is ${valid[0]}`;
        }
      }
      lines.push(`#${err.instanceLocation}: ${message}`);
    }
    err.causes.forEach(visit);
  };
  visit(root);
  return lines;
}

/** hashicorp/go-multierror's `ListFormatFunc`. */
export function formatMultiError(messages: string[]): string {
  if (messages.length === 1) {
    return `1 error occurred:\n\t* ${messages[0]}\n\n`;
  }
  return `${messages.length} errors occurred:\n\t${messages.map((m) => `* ${m}`).join("\n\t")}\n\n`;
}
