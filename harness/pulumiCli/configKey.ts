/**
 * Config keys (`<namespace>:<name>`) and the property paths a key's name may hold (`tags.team`, `list[0]`).
 * Ported from pulumi/pulumi sdk/go/common/resource/config/key.go (`ParseKey`, `MustMakeKey`), map.go
 * (`parseKeyPath`) and sdk/go/common/resource/properties_path.go (`parsePropertyPath`, strict mode), at the commit
 * in `./source.ts`.
 */

/** A parsed config key. */
export class ConfigKey {
  /**
   * @param namespace the part before the colon: the project name or a provider package such as `aws`
   * @param name the key within the namespace
   */
  constructor(
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** `<namespace>:<name>`, the form stack files and the engine use. */
  toString(): string {
    return `${this.namespace}:${this.name}`;
  }
}

/** `MustMakeKey`: the namespace may not contain a colon. */
export function mustMakeKey(namespace: string, name: string): ConfigKey {
  if (namespace.includes(":")) {
    throw new Error("namespace may not contain a colon");
  }
  return new ConfigKey(namespace, name);
}

/**
 * `ParseKey`: `<namespace>:<name>`, or the old `<namespace>:config:<name>`.
 * (The old form goes through `tokens.ParseModuleMember`, whose token-name checks are not ported.)
 */
export function parseKey(s: string): ConfigKey {
  const parts = s.split(":");
  if (parts.length === 2) {
    return new ConfigKey(parts[0], parts[1]);
  }
  if (parts.length === 3 && parts[1] === "config" && parts[0] !== "" && parts[2] !== "") {
    return new ConfigKey(parts[0], parts[2]);
  }
  throw new Error(
    `could not parse ${s} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
  );
}

/** One step of a property path: a map key or an array index. */
export type PathElement = string | number;

/**
 * `ParsePropertyPathStrict`: `root.nested`, `root["key with ."]`, `root.array[0]`; any run of characters up to
 * the next `.` or `[` is a bare name.
 */
export function parsePropertyPathStrict(path: string): PathElement[] {
  const elements: PathElement[] = [];
  if (path.startsWith(".")) {
    throw new Error("expected property path to start with a name or index");
  }
  let rest = path;
  while (rest.length > 0) {
    if (rest[0] === ".") {
      rest = rest.slice(1);
      if (rest.length === 0) {
        throw new Error("expected property path to end with a name or index");
      }
      if (rest[0] === "[") {
        throw new Error("expected property name after '.'");
      }
    } else if (rest[0] === "[") {
      if (rest.length > 1 && rest[1] === '"') {
        let key = "";
        let i = 2;
        for (;;) {
          if (i >= rest.length) {
            throw new Error("missing closing quote in property name");
          } else if (rest[i] === '"') {
            i++;
            break;
          } else if (rest[i] === "\\" && i + 1 < rest.length && rest[i + 1] === '"') {
            key += '"';
            i += 2;
          } else {
            key += rest[i];
            i++;
          }
        }
        if (i >= rest.length || rest[i] !== "]") {
          throw new Error("missing closing bracket in property access");
        }
        elements.push(key);
        rest = rest.slice(i + 1);
      } else {
        const rbracket = rest.indexOf("]");
        if (rbracket === -1) {
          throw new Error("missing closing bracket in array index");
        }
        const segment = rest.slice(1, rbracket);
        if (segment === "*") {
          elements.push("*");
        } else if (/^[+-]?\d+$/.test(segment)) {
          elements.push(Number(segment));
        } else {
          throw new Error(
            `invalid array index: strconv.ParseInt: parsing ${JSON.stringify(segment)}: invalid syntax`,
          );
        }
        rest = rest.slice(rbracket + 1);
      }
    } else {
      let i = 0;
      while (i < rest.length && rest[i] !== "." && rest[i] !== "[") {
        i++;
      }
      elements.push(rest.slice(0, i));
      rest = rest.slice(i);
    }
  }
  return elements;
}

/** `parseKeyPath`: the key's name as a path, and the key of its first segment (where the root value lives). */
export function parseKeyPath(key: ConfigKey): { path: PathElement[]; rootKey: ConfigKey } {
  let path: PathElement[];
  try {
    path = parsePropertyPathStrict(key.name);
  } catch (err) {
    throw new Error(`invalid config key path: ${(err as Error).message}`);
  }
  if (path.length === 0) {
    throw new Error("empty config key path");
  }
  const first = path[0];
  if (typeof first !== "string") {
    throw new Error("first path segement of config key must be a string");
  }
  if (first === "") {
    throw new Error("config key is empty");
  }
  return { path, rootKey: mustMakeKey(key.namespace, first) };
}
