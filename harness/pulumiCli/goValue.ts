/**
 * The values the Pulumi CLI's Go code holds after decoding YAML or JSON into `any`, modelled closely enough that
 * its type switches (`case string, int, bool:`, `case []any:`, `case map[string]any:`) can be ported one for one.
 *
 * - Go `int` / `int64` / `uint64` are `bigint` (gopkg.in/yaml.v3 decodes a plain integer into `int` when it fits
 *   and `uint64` otherwise; `encoding/json` with `UseNumber` keeps the digits), so no digit is lost: the CLI's own
 *   test keeps `18446744073709551615` exactly.
 * - Go `float64` is `number`.
 * - `map[string]any` is `GoMap`; yaml.v3 decodes a mapping with a non-string key into `map[any]any`: `GoAnyMap`.
 */

/** A decoded YAML/JSON value as the CLI sees it. */
export type GoValue = null | boolean | bigint | number | string | GoValue[] | GoMap | GoAnyMap;

/** Go `map[string]any`. */
export class GoMap extends Map<string, GoValue> {}

/** Go `map[any]any` (a YAML mapping with at least one key that is not a string). */
export class GoAnyMap extends Map<GoValue, GoValue> {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True for a value Go holds as `int` (yaml.v3 uses `int` whenever the integer fits in 64 signed bits). */
export function isGoInt(value: GoValue): value is bigint {
  return typeof value === "bigint" && value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * `fmt.Sprintf("%s", v)` for a non-string operand, the form Go prints when a format verb does not fit
 * (`%!s(int=4)`), as in the CLI's "expected only string keys, got '%!s(int=4)'".
 */
export function goBadVerb(value: GoValue): string {
  if (typeof value === "string") {
    return value;
  }
  if (typeof value === "bigint") {
    return `%!s(${isGoInt(value) ? "int" : "uint64"}=${value})`;
  }
  if (typeof value === "number") {
    return `%!s(float64=${value})`;
  }
  if (typeof value === "boolean") {
    return `%!s(bool=${value})`;
  }
  return "%!s(<nil>)";
}

/** `fmt.Sprintf("%v", v)` for scalars, the form the CLI uses to stringify primitive defaults and map keys. */
export function goPrintScalar(value: GoValue): string {
  if (value === null) {
    return "<nil>";
  }
  if (typeof value === "number") {
    return formatGoFloatV(value);
  }
  return String(value);
}

/** `%v` of a float64: strconv 'g' with the shortest precision, which switches to an exponent at 1e21 or below 1e-4. */
function formatGoFloatV(f: number): string {
  if (Number.isNaN(f)) {
    return "NaN";
  }
  if (!Number.isFinite(f)) {
    return f > 0 ? "+Inf" : "-Inf";
  }
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    // JavaScript writes 1e-7 / 1e+21; Go's %v writes 1e-07 / 1e+21 (at least two exponent digits).
    return f.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(f);
}
