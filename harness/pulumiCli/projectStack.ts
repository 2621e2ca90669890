/**
 * Loading a stack file (Pulumi.<stack>.yaml) the way the CLI does: unqualified keys move into the project's
 * namespace, every key must parse as `<namespace>:<name>`, each value is stored as `config.Value`, and keys
 * without a value draw a warning and read as "". Ported from pulumi/pulumi sdk/go/common/workspace/loaders.go
 * (`LoadProjectStackBytes`, `stackConfigNamespacedWithProject`, `checkForEmptyConfig`) at the commit in
 * `./source.ts`. Of the other stack-file fields only `encryptionsalt` and `secretsprovider` are read.
 */
import { parseKey } from "./configKey";
import { ConfigMap } from "./configMap";
import { ConfigValue } from "./configValue";
import { decodeYaml } from "./goYaml";
import { GoMap } from "./goValue";
import type { Project } from "./project";
import { simplifyMarshalledProject } from "./project";

/** A loaded stack file. */
export interface ProjectStack {
  /** Config values by key. */
  config: ConfigMap;
  /** `encryptionsalt`: the passphrase provider's state (`v1:<salt>:<check>`), when the stack uses it. */
  encryptionSalt?: string;
  /** `secretsprovider`: e.g. `passphrase`, `awskms://...`; absent for the default. */
  secretsProvider?: string;
  /** Warnings the CLI prints while loading (keys without a value). */
  warnings: string[];
}

/** `LoadProjectStackBytes`. */
export function loadProjectStack(project: Project | undefined, text: string): ProjectStack {
  const raw = decodeYaml(text);
  if (raw === null) {
    return { config: new ConfigMap(), warnings: [] };
  }
  const simplified = simplifyMarshalledProject(raw);
  const config = simplified.get("config");
  const warnings: string[] = [];
  const map = new ConfigMap();
  if (config instanceof GoMap) {
    const empty = [...config].filter(([, v]) => v === null).map(([k]) => k);
    if (empty.length > 0) {
      warnings.push(emptyConfigWarning(empty));
    }
    for (const [rawKey, value] of config) {
      // stackConfigNamespacedWithProject: `instanceSize` means `<project>:instanceSize`.
      const namespaced = project && !rawKey.includes(":") ? `${project.name}:${rawKey}` : rawKey;
      const key = parseKey(namespaced);
      // yaml.v3 does not call the value's unmarshaller for a null node: the zero Value, i.e. "".
      map.set(key, value === null ? new ConfigValue("") : ConfigValue.fromDecoded(value), false);
    }
  }
  const salt = simplified.get("encryptionsalt");
  const provider = simplified.get("secretsprovider");
  return {
    config: map,
    encryptionSalt: typeof salt === "string" && salt !== "" ? salt : undefined,
    secretsProvider: typeof provider === "string" && provider !== "" ? provider : undefined,
    warnings,
  };
}

/** `checkForEmptyConfig`'s warning (the CLI lists the keys in map order; here in file order). */
function emptyConfigWarning(keys: string[]): string {
  const quoted = keys.map((k) => `"${k}"`);
  const plural = keys.length > 1 ? "s" : "";
  const list = quoted.length === 2 ? quoted.join(" and ") : quoted.join(", ");
  return (
    `No value for configuration key${plural} ${list}. ` +
    'This is currently treated as an empty string `""`, but will be treated as `null` in a future version of pulumi.\n' +
    `Set the value${plural} to \`""\` to avoid this warning.`
  );
}
