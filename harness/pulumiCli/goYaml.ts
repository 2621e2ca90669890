/**
 * YAML text decoded into `any` the way the CLI's YAML marshaller (gopkg.in/yaml.v3) does, as `GoValue`s.
 *
 * Parsed with the `yaml` package (YAML 1.2 core schema, integers as bigint). What yaml.v3 does differently and is
 * not reproduced (none of it occurs in this project's files): YAML 1.1 leftovers yaml.v3 still resolves for plain
 * scalars (`0b1010` binary, leading-zero octals such as `0755`), `!!timestamp` values, `<<` merge keys, and
 * integers beyond 64 bits (yaml.v3 falls back to float64).
 */
import * as YAML from "yaml";
import { GoAnyMap, GoMap, type GoValue } from "./goValue";

/** The decoded document, or `null` for an empty one (yaml.v3 leaves `any` nil). */
export function decodeYaml(text: string): GoValue {
  const doc = YAML.parseDocument(text, { intAsBigInt: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new Error(`yaml: ${doc.errors[0].message}`);
  }
  return toGoValue(doc.toJS({ mapAsMap: true }) as unknown);
}

function toGoValue(value: unknown): GoValue {
  if (value === null || value === undefined) {
    return null;
  }
  if (Array.isArray(value)) {
    return value.map(toGoValue);
  }
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [toGoValue(k), toGoValue(v)] as const);
    if (entries.every(([k]) => typeof k === "string")) {
      return new GoMap(entries as [string, GoValue][]);
    }
    return new GoAnyMap(entries);
  }
  if (
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "bigint" ||
    typeof value === "number"
  ) {
    return value;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  throw new Error(`yaml: unsupported value ${String(value)}`);
}
