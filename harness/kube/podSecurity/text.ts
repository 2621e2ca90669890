/**
 * How the checks word their details. `joinQuote` and `pluralize` are ports of
 * `staging/src/k8s.io/pod-security-admission/policy/helpers.go`, kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 * `goQuote` stands in for Go's `%q` verb (`strconv.Quote`), which some details use.
 */

/** `"a", "b"`; empty for no items. Items are not escaped (upstream neither). */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? "" : `"${items.join('", "')}"`;
}

/** `singular` when `count` is 1, else `plural`. */
export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

const SHORT_ESCAPES: Record<string, string> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's `%q` of a string (`strconv.Quote`): double quotes; a backslash before `"` and `\`; printable characters as
 * they are; `\a \b \f \n \r \t \v`; `\xHH` for other ASCII controls; `\uHHHH` / `\UHHHHHHHH` for other
 * non-printable characters. A lone surrogate (invalid once encoded) becomes U+FFFD, as Go reads invalid UTF-8.
 * Printability follows the Unicode tables of the running Node, which may differ from Go's for new code points.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const raw of value) {
    const rawCode = raw.codePointAt(0) ?? 0;
    const ch = rawCode >= 0xd800 && rawCode <= 0xdfff ? "\ufffd" : raw;
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") {
      out += `\\${ch}`;
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (SHORT_ESCAPES[ch] !== undefined) {
      out += SHORT_ESCAPES[ch];
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (code < 0x10000) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += `\\U${code.toString(16).padStart(8, "0")}`;
    }
  }
  return `${out}"`;
}
