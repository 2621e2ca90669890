/**
 * Label selectors in their string form, as `k8s.io/apimachinery/pkg/labels/selector.go` parses them:
 * requirements separated by commas, all of which must hold: `key=value`, `key==value`, `key!=value`, `key`
 * (exists), `!key` (does not exist), `key in (a,b)`, `key notin (a,b)`. `!=` and `notin` also match objects without
 * the key, as upstream.
 */

/** Labels of an object (`metadata.labels`). */
export type Labels = Readonly<Record<string, string>> | undefined;

/** A parsed selector: true when the labels satisfy every requirement. */
export type LabelMatcher = (labels: Labels) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function splitRequirements(selector: string): string[] {
  // Commas inside `in (...)` lists do not separate requirements.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") {
      depth++;
    } else if (ch === ")") {
      depth--;
    }
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) {
    throw new Error(`label selector '${selector}': '${key}' is not a valid label key`);
  }
  return key;
}

function requirement(text: string, selector: string): LabelMatcher {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const key = checkKey(set[1], selector);
    const values = new Set(
      set[3]
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== ""),
    );
    return set[2] === "in"
      ? (labels) => labels?.[key] !== undefined && values.has(labels[key])
      : (labels) => labels?.[key] === undefined || !values.has(labels[key]);
  }
  const op = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (op) {
    const key = checkKey(op[1], selector);
    const value = op[3];
    return op[2] === "!="
      ? (labels) => labels?.[key] !== value
      : (labels) => labels?.[key] !== undefined && labels[key] === value;
  }
  if (text.startsWith("!")) {
    const key = checkKey(text.slice(1).trim(), selector);
    return (labels) => labels?.[key] === undefined;
  }
  const key = checkKey(text, selector);
  return (labels) => labels?.[key] !== undefined;
}

/** Parses a selector; throws on syntax it does not know. The empty selector matches everything. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const requirements = splitRequirements(selector).map((r) => requirement(r, selector));
  return (labels) => requirements.every((r) => r(labels));
}
