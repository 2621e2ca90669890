/**
 * One stack config value as the CLI stores it (`config.Value`: text plus `secure`/`object` flags) and the
 * structured form its operations go through (`object`, `Plaintext`). Ported from pulumi/pulumi
 * sdk/go/common/resource/config/value.go, object.go and plaintext.go at the commit in `./source.ts`.
 *
 * The flags decide what the program receives: a scalar from YAML (`2003`, `true`, `abc`) is stored as its text
 * with `object: false`, so the program reads the string `"2003"`; lists and maps are stored as JSON text with
 * `object: true`; `{secure: <ciphertext>}` is a secret.
 */
import { nopCrypter, type Decrypter, type Encrypter } from "./crypter";
import { GoAnyMap, GoMap, goPrintScalar, type GoValue } from "./goValue";
import { goJsonDecode, goJsonMarshal, JsonNumber, type JsonValue } from "./goJson";
import type { PathElement } from "./configKey";

/** A ciphertext inside a config object (`CiphertextSecret`). */
export class CiphertextSecret {
  /** @param value the ciphertext as the secrets provider wrote it */
  constructor(readonly value: string) {}
}

/** A decrypted secret inside a plaintext (`PlaintextSecret`). */
export class PlaintextSecret {
  /** @param value the plaintext */
  constructor(readonly value: string) {}
}

/** `map[string]object`. */
export class ObjectMap extends Map<string, ConfigObject> {}

/** The structured form of a value (`object.value`): int64/uint64 as bigint, float64 as number. */
export type ConfigObject =
  null | boolean | bigint | number | string | CiphertextSecret | ConfigObject[] | ObjectMap;

/** `map[string]Plaintext`. */
export class PlaintextMap extends Map<string, Plaintext> {}

/** A decrypted value (`Plaintext`). */
export type Plaintext =
  null | boolean | bigint | number | string | PlaintextSecret | Plaintext[] | PlaintextMap;

/** `config.Type`: set only by `pulumi config set --type`; values read from files are untyped. */
export type ConfigValueType = "unknown" | "string" | "int" | "float" | "bool";

/** A config value as stored in a stack (`config.Value`). */
export class ConfigValue {
  /**
   * @param text the stored text: the string itself, the ciphertext, or JSON for objects
   * @param secure the value is (or contains) a ciphertext
   * @param object the text is JSON
   * @param typ the type given with `pulumi config set --type`
   */
  constructor(
    readonly text: string,
    readonly secure = false,
    readonly object = false,
    readonly typ: ConfigValueType = "unknown",
  ) {}

  /** `NewValue`. */
  static plain(text: string): ConfigValue {
    return new ConfigValue(text);
  }
  /** `NewSecureValue`. */
  static secure(ciphertext: string): ConfigValue {
    return new ConfigValue(ciphertext, true);
  }
  /** `NewObjectValue`. */
  static object(json: string): ConfigValue {
    return new ConfigValue(json, false, true);
  }
  /** `NewTypedValue`. */
  static typed(text: string, typ: ConfigValueType): ConfigValue {
    return new ConfigValue(text, false, false, typ);
  }

  /** `Value.UnmarshalYAML` / `UnmarshalJSON`: a decoded YAML or JSON value as stored. */
  static fromDecoded(value: GoValue | JsonValue): ConfigValue {
    return marshalValue(unmarshalObject(value));
  }

  /** `Value.Secure`. */
  isSecure(): boolean {
    return this.secure;
  }

  /** `Value.Object`. */
  isObject(): boolean {
    return this.object;
  }

  /** `Value.unmarshalObject`. */
  unmarshalObject(): ConfigObject {
    if (this.secure || this.object || this.typ === "unknown") {
      return unmarshalString(this.text, this.secure, this.object);
    }
    switch (this.typ) {
      case "string":
        return this.text;
      case "int": {
        if (!/^[+-]?\d+$/.test(this.text)) {
          throw new Error(`strconv.Atoi: parsing ${JSON.stringify(this.text)}: invalid syntax`);
        }
        return BigInt(this.text);
      }
      case "bool":
        // strconv.ParseBool; the CLI logs a warning and uses false for anything else.
        return ["1", "t", "T", "TRUE", "true", "True"].includes(this.text);
      case "float": {
        const f = Number(this.text);
        if (this.text.trim() === "" || Number.isNaN(f)) {
          throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(this.text)}: invalid syntax`);
        }
        return f;
      }
    }
  }

  /** `Value.coerceObject`: untyped plain text that reads as a boolean or an integer becomes one. */
  coerceObject(): ConfigObject {
    if (this.secure || this.object || this.typ !== "unknown") {
      return this.unmarshalObject();
    }
    const coerced = coerce(this.text);
    return coerced === undefined ? this.unmarshalObject() : coerced;
  }

  /**
   * `Value.Value(decrypter)`: the text the program receives. With the nop decrypter, the stored text as is;
   * otherwise secrets decrypted and objects re-marshalled as JSON.
   */
  async value(decrypter: Decrypter): Promise<string> {
    if (decrypter === nopCrypter) {
      return this.text;
    }
    return marshalText(await decryptObject(this.unmarshalObject(), [], decrypter));
  }

  /** `Value.Merge`: JSON merge patch of this value onto `base` (this value wins). */
  merge(base: ConfigValue): ConfigValue {
    return marshalValue(mergeObjects(this.unmarshalObject(), base.unmarshalObject()));
  }

  /** `Value.ToObject`: the string, or the decoded JSON (ciphertexts as `{secure: ...}` below the root). */
  toObject(): GoValue {
    return marshalObjectValue(this.unmarshalObject(), true);
  }
}

/** `unmarshalObject` of a raw JSON or YAML value: numbers to int64 when they fit, else float64. */
export function unmarshalObject(value: GoValue | JsonValue): ConfigObject {
  if (
    value === null ||
    typeof value === "boolean" ||
    typeof value === "string" ||
    typeof value === "bigint"
  ) {
    return value;
  }
  if (typeof value === "number") {
    return value;
  }
  if (value instanceof JsonNumber) {
    if (/^-?\d+$/.test(value.text)) {
      const i = BigInt(value.text);
      if (i >= -(2n ** 63n) && i < 2n ** 63n) {
        return i;
      }
    }
    const f = Number(value.text);
    if (!Number.isFinite(f)) {
      throw new Error(
        `unrepresentable number ${value.text}: strconv.ParseFloat: parsing "${value.text}": value out of range`,
      );
    }
    return f;
  }
  if (Array.isArray(value)) {
    return value.map(unmarshalObject);
  }
  if (value instanceof GoAnyMap) {
    const stringKeyed = new GoMap();
    for (const [k, v] of value) {
      stringKeyed.set(goPrintScalar(k), v);
    }
    return unmarshalObject(stringKeyed);
  }
  // map[string]any: `{secure: "<ciphertext>"}` alone is a secret.
  const map = value as Map<string, GoValue | JsonValue>;
  const secure = map.get("secure");
  if (map.size === 1 && typeof secure === "string") {
    return new CiphertextSecret(secure);
  }
  const out = new ObjectMap();
  for (const [k, v] of map) {
    out.set(k, unmarshalObject(v));
  }
  return out;
}

/** `object.Secure`: a ciphertext, or a list or map holding one. */
export function objectIsSecure(obj: ConfigObject): boolean {
  if (obj instanceof CiphertextSecret) {
    return true;
  }
  if (Array.isArray(obj)) {
    return obj.some(objectIsSecure);
  }
  if (obj instanceof ObjectMap) {
    return [...obj.values()].some(objectIsSecure);
  }
  return false;
}

/** `object.marshalObject` as a Go value: ciphertexts become `{secure: <ciphertext>}`. */
function objectToGoValue(obj: ConfigObject): GoValue {
  if (obj instanceof CiphertextSecret) {
    return new GoMap([["secure", obj.value]]);
  }
  if (Array.isArray(obj)) {
    return obj.map(objectToGoValue);
  }
  if (obj instanceof ObjectMap) {
    return new GoMap([...obj].map(([k, v]) => [k, objectToGoValue(v)]));
  }
  return obj;
}

/** `object.MarshalString` / `marshalValue`: the stored text and flags of a structured value. */
export function marshalValue(obj: ConfigObject): ConfigValue {
  if (typeof obj === "boolean" || typeof obj === "bigint" || typeof obj === "number") {
    return new ConfigValue(goJsonMarshal(obj));
  }
  if (typeof obj === "string") {
    return new ConfigValue(obj);
  }
  if (obj instanceof CiphertextSecret) {
    return new ConfigValue(obj.value, true);
  }
  return new ConfigValue(goJsonMarshal(objectToGoValue(obj)), objectIsSecure(obj), true);
}

/** `object.UnmarshalString`. */
function unmarshalString(text: string, secure: boolean, object: boolean): ConfigObject {
  if (!object) {
    return secure ? new CiphertextSecret(text) : text;
  }
  return unmarshalObject(goJsonDecode(text));
}

/** `object.marshalObjectValue`. */
function marshalObjectValue(obj: ConfigObject, root: boolean): GoValue {
  if (Array.isArray(obj)) {
    return obj.map((v) => marshalObjectValue(v, false));
  }
  if (obj instanceof ObjectMap) {
    return new GoMap([...obj].map(([k, v]) => [k, marshalObjectValue(v, false)]));
  }
  if (obj instanceof CiphertextSecret) {
    return root ? obj.value : new GoMap([["secure", obj.value]]);
  }
  return obj;
}

/** `object.Merge`: maps merge key by key (JSON merge patch, RFC 7386); anything else replaces the base. */
export function mergeObjects(obj: ConfigObject, base: ConfigObject): ConfigObject {
  if (obj instanceof ObjectMap && base instanceof ObjectMap) {
    const merged = new ObjectMap(base);
    for (const [k, v] of obj) {
      merged.set(k, mergeObjects(v, merged.get(k) ?? null));
    }
    return merged;
  }
  return obj;
}

/** `object.Get`: the member at `path`, if every step exists. */
export function getObjectPath(
  obj: ConfigObject,
  path: PathElement[],
): { found: boolean; value: ConfigObject } {
  if (path.length === 0) {
    return { found: true, value: obj };
  }
  const [head, ...rest] = path;
  if (Array.isArray(obj)) {
    if (typeof head !== "number" || head < 0 || head >= obj.length) {
      return { found: false, value: null };
    }
    return getObjectPath(obj[head], rest);
  }
  if (obj instanceof ObjectMap) {
    if (typeof head !== "string" || !obj.has(head)) {
      return { found: false, value: null };
    }
    return getObjectPath(obj.get(head) as ConfigObject, rest);
  }
  return { found: false, value: null };
}

/** `newContainer`: the container an accessor implies. */
export function newContainer(accessor: PathElement): ConfigObject[] | ObjectMap {
  return typeof accessor === "number" ? Array.from({ length: accessor + 1 }, () => null) : new ObjectMap();
}

/** `object.Set`: a copy of `obj` with the member at `path` set to `value` (containers created as needed). */
export function setObjectPath(
  obj: ConfigObject,
  prefix: PathElement[],
  path: PathElement[],
  value: ConfigObject,
): ConfigObject {
  if (path.length === 0) {
    return value;
  }
  let current: ConfigObject[] | ObjectMap;
  if (Array.isArray(obj) || obj instanceof ObjectMap) {
    current = obj;
  } else if (obj === null || prefix.length === 1) {
    // COMPAT in the CLI: at the first level a scalar is replaced by a new container.
    current = newContainer(path[0]);
  } else {
    throw new Error(
      `${formatGoPath(prefix)}: ${typeof path[0] === "number" ? "expected an array" : "expected a map"}`,
    );
  }
  const [head, ...rest] = path;
  const nextPrefix = [...prefix, head];
  if (Array.isArray(current)) {
    if (typeof head !== "number") {
      throw new Error(`${formatGoPath(nextPrefix)}: key for an array must be an int`);
    }
    if (head < 0 || head > current.length) {
      throw new Error(`${formatGoPath(nextPrefix)}: array index out of range`);
    }
    const copy = [...current];
    if (head === copy.length) {
      copy.push(null);
    }
    copy[head] = setObjectPath(copy[head], nextPrefix, rest, value);
    return copy;
  }
  if (typeof head !== "string") {
    throw new Error(`${formatGoPath(nextPrefix)}: key for a map must be a string`);
  }
  if (rest.length === 0 && current.size === 0 && head === "secure" && typeof value === "string") {
    throw new Error('maps with the single key "secure" are reserved');
  }
  const copy = new ObjectMap(current);
  copy.set(head, setObjectPath(copy.get(head) ?? null, nextPrefix, rest, value));
  return copy;
}

/** Go's `%v` of a `resource.PropertyPath` (`[]any`): `[a 0 b]`. */
function formatGoPath(path: PathElement[]): string {
  return `[${path.join(" ")}]`;
}

/**
 * `coerce`: "true"/"false" become booleans, base-10 digits without a leading zero become int64 (or uint64).
 */
export function coerce(text: string): ConfigObject | undefined {
  if (text === "false") {
    return false;
  }
  if (text === "true") {
    return true;
  }
  if (text.length > 1 && text[0] === "0") {
    return undefined;
  }
  // strconv.ParseInt accepts a sign; the uint64 fallback (strconv.ParseUint) does not.
  if (/^[+-]?\d+$/.test(text)) {
    const i = BigInt(text);
    if ((i >= -(2n ** 63n) && i < 2n ** 63n) || (/^\d+$/.test(text) && i < 2n ** 64n)) {
      return i;
    }
  }
  return undefined;
}

/** `object.EncryptedValues`: every ciphertext inside, depth first. */
export function ciphertextsOf(obj: ConfigObject): string[] {
  if (obj instanceof CiphertextSecret) {
    return [obj.value];
  }
  if (Array.isArray(obj)) {
    return obj.flatMap(ciphertextsOf);
  }
  if (obj instanceof ObjectMap) {
    return [...obj.values()].flatMap(ciphertextsOf);
  }
  return [];
}

/** `object.decrypt`: every ciphertext replaced by its plaintext (errors prefixed with the path, as Go's `%v`). */
export async function decryptObject(
  obj: ConfigObject,
  path: PathElement[],
  decrypter: Decrypter,
): Promise<Plaintext> {
  if (obj instanceof CiphertextSecret) {
    try {
      return new PlaintextSecret(await decrypter.decryptValue(obj.value));
    } catch (err) {
      throw new Error(`${formatGoPath(path)}: ${(err as Error).message}`);
    }
  }
  if (Array.isArray(obj)) {
    const out: Plaintext[] = [];
    for (const [i, v] of obj.entries()) {
      out.push(await decryptObject(v, [...path, i], decrypter));
    }
    return out;
  }
  if (obj instanceof ObjectMap) {
    const out = new PlaintextMap();
    for (const [k, v] of obj) {
      out.set(k, await decryptObject(v, [...path, k], decrypter));
    }
    return out;
  }
  return obj;
}

/** `Plaintext.GoValue`: secrets as their plain strings. */
export function plaintextGoValue(pt: Plaintext): GoValue {
  if (pt instanceof PlaintextSecret) {
    return pt.value;
  }
  if (Array.isArray(pt)) {
    return pt.map(plaintextGoValue);
  }
  if (pt instanceof PlaintextMap) {
    return new GoMap([...pt].map(([k, v]) => [k, plaintextGoValue(v)]));
  }
  return pt;
}

/** `Plaintext.marshalText`: strings as they are, everything else as Go JSON. */
export function marshalText(pt: Plaintext): string {
  if (typeof pt === "string") {
    return pt;
  }
  if (pt instanceof PlaintextSecret) {
    return pt.value;
  }
  return goJsonMarshal(plaintextGoValue(pt));
}

/** `Plaintext.encrypt`: secrets encrypted, the rest kept. */
export async function encryptPlaintext(pt: Plaintext, encrypter: Encrypter): Promise<ConfigObject> {
  if (pt instanceof PlaintextSecret) {
    return new CiphertextSecret(await encrypter.encryptValue(pt.value));
  }
  if (Array.isArray(pt)) {
    const out: ConfigObject[] = [];
    for (const v of pt) {
      out.push(await encryptPlaintext(v, encrypter));
    }
    return out;
  }
  if (pt instanceof PlaintextMap) {
    const out = new ObjectMap();
    for (const [k, v] of pt) {
      out.set(k, await encryptPlaintext(v, encrypter));
    }
    return out;
  }
  return pt;
}
