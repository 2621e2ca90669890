/**
 * Field selectors as k8s.io/apimachinery/pkg/fields/selector.go parses them: comma-separated requirements, each
 * `field=value`, `field==value` or `field!=value`, all of which must hold; `\,` `\=` `\!` `\\` escape those
 * characters in values. A field the resource does not declare is a 400 `field label not supported: <field>`, as the
 * real server answers.
 */

/** One requirement. */
interface Requirement {
  field: string;
  equal: boolean;
  value: string;
}

/** A parsed selector: matches an object's selectable fields. */
export type FieldMatcher = (fields: Record<string, string>) => boolean;

function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === ",") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.filter((p) => p !== "");
}

const unescape = (v: string): string => v.replace(/\\(.)/g, "$1");

/**
 * Parses a field selector against the fields a resource allows; throws an Error whose message is the API's
 * message for an unsupported field or bad syntax.
 */
export function parseFieldSelector(selector: string, allowed: ReadonlySet<string>): FieldMatcher {
  const requirements: Requirement[] = splitUnescaped(selector).map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/s.exec(part);
    if (!m) {
      throw new Error(`invalid selector: '${selector}'; can't understand '${part}'`);
    }
    const field = m[1].trim();
    if (!allowed.has(field)) {
      throw new Error(`field label not supported: ${field}`);
    }
    return { field, equal: m[2] !== "!=", value: unescape(m[3]) };
  });
  return (fields) => requirements.every((r) => (fields[r.field] === r.value) === r.equal);
}
