/**
 * Go's `encoding/json` as the CLI uses it on config values: `json.Marshal` (object keys sorted, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, integers written in full) and `json.Decoder` with `UseNumber` (numbers keep their
 * digits until `unmarshalObject` turns them into int64 or float64).
 * Source: Go's src/encoding/json/encode.go (`appendString`, `floatEncoder`, map keys sorted) and decode.go.
 */
import { GoAnyMap, GoMap, goPrintScalar, type GoValue } from "./goValue";

/** A JSON number as `json.Number` keeps it: its literal text. */
export class JsonNumber {
  /** @param text the number exactly as written in the JSON text */
  constructor(readonly text: string) {}
}

/** What `json.Decoder.UseNumber()` decodes into `any`. */
export type JsonValue = null | boolean | JsonNumber | string | JsonValue[] | Map<string, JsonValue>;

/** `json.Marshal(v)` of a decoded value. */
export function goJsonMarshal(value: GoValue): string {
  if (value === null) {
    return "null";
  }
  if (typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (typeof value === "number") {
    return goJsonFloat(value);
  }
  if (typeof value === "string") {
    return goJsonString(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(goJsonMarshal).join(",")}]`;
  }
  if (value instanceof GoAnyMap) {
    // encoding/json accepts map keys that are strings or integers only, formatted as strings.
    const entries = [...value.entries()].map(([k, v]) => {
      if (typeof k !== "string" && typeof k !== "bigint") {
        throw new Error(`json: unsupported type: map[interface {}]interface {}`);
      }
      return [goPrintScalar(k), v] as [string, GoValue];
    });
    return goJsonMarshal(new GoMap(entries));
  }
  const keys = [...value.keys()].sort(compareGoStrings);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonMarshal(value.get(k) as GoValue)}`).join(",")}}`;
}

/** Go compares strings byte-wise (UTF-8), which differs from UTF-16 order for characters beyond U+FFFF. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** `floatEncoder`: shortest round-trip digits, exponent form below 1e-6 or from 1e21, exponent without padding. */
function goJsonFloat(f: number): string {
  if (!Number.isFinite(f)) {
    throw new Error(`json: unsupported value: ${f}`);
  }
  // Number#toString picks the same shortest digits and the same thresholds (exponent form for abs < 1e-6 and
  // abs >= 1e21), and writes the exponent as Go does after trimming its padding (1e-7, 1e+21).
  return Object.is(f, -0) ? "-0" : String(f);
}

const HTML_AND_SEPARATORS: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `appendString` with HTML escaping on (the default of `json.Marshal`). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch] ?? HTML_AND_SEPARATORS[ch];
    if (short) {
      out += short;
    } else if (ch.charCodeAt(0) < 0x20) {
      out += `\\u00${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/**
 * `json.NewDecoder(...).UseNumber().Decode(&v)`: one JSON value; the error texts are Go's for the cases the CLI's
 * tests reach (`invalid character 'o' in literal null (expecting 'u')`, `invalid character 'x' looking for
 * beginning of value`).
 */
export function goJsonDecode(text: string): JsonValue {
  const parser = new JsonParser(text);
  parser.skipSpace();
  return parser.value();
}

class JsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && " \t\r\n".includes(this.text[this.pos])) {
      this.pos++;
    }
  }

  value(): JsonValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) {
      throw new Error("unexpected end of JSON input");
    }
    if (c === "{") {
      return this.object();
    }
    if (c === "[") {
      return this.array();
    }
    if (c === '"') {
      return this.string();
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      return this.number();
    }
    for (const [word, result] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (c === word[0]) {
        for (let i = 1; i < word.length; i++) {
          const got = this.text[this.pos + i];
          if (got !== word[i]) {
            throw new Error(
              got === undefined
                ? "unexpected end of JSON input"
                : `invalid character ${goQuoteChar(got)} in literal ${word} (expecting ${goQuoteChar(word[i])})`,
            );
          }
        }
        this.pos += word.length;
        return result;
      }
    }
    throw new Error(`invalid character ${goQuoteChar(c)} looking for beginning of value`);
  }

  private object(): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>();
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') {
        throw new Error(
          `invalid character ${goQuoteChar(this.text[this.pos])} looking for beginning of object key string`,
        );
      }
      const key = this.string();
      this.skipSpace();
      this.expect(":", "after object key");
      out.set(key, this.value());
      this.skipSpace();
      if (this.text[this.pos] === ",") {
        this.pos++;
        continue;
      }
      this.expect("}", "after object key:value pair");
      return out;
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ",") {
        this.pos++;
        continue;
      }
      this.expect("]", "after array element");
      return out;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      this.pos += this.text[this.pos] === "\\" ? 2 : 1;
    }
    if (this.pos >= this.text.length) {
      throw new Error("unexpected end of JSON input");
    }
    this.pos++;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private number(): JsonNumber {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) {
      throw new Error(`invalid character ${goQuoteChar(this.text[this.pos + 1] ?? "")} in numeric literal`);
    }
    this.pos += match[0].length;
    return new JsonNumber(match[0]);
  }

  private expect(ch: string, context: string): void {
    const got = this.text[this.pos];
    if (got !== ch) {
      throw new Error(
        got === undefined
          ? "unexpected end of JSON input"
          : `invalid character ${goQuoteChar(got)} ${context}`,
      );
    }
    this.pos++;
  }
}

/** Go's `quoteChar` in encoding/json's scanner errors: `'x'`, with `'\''` and `"\""` special-cased. */
function goQuoteChar(c: string): string {
  if (c === "'") {
    return "'\\''";
  }
  if (c === '"') {
    return "'\"'";
  }
  return `'${c}'`;
}
