/**
 * The config a Node.js program receives from `pulumi preview`/`up`, after the CLI's checks:
 *
 * 1. pkg/resource/deploy/source_eval.go (`evalSource.Iterate`): the merged stack config decrypted
 *    (`Config.Decrypt`: strings as they are, lists and maps as JSON, secrets in plaintext) plus the list of keys
 *    holding secrets (`Config.SecureKeys`);
 * 2. sdk/go/common/resource/plugin/langruntime_plugin.go (`langhost.Run`): keys as `<namespace>:<name>`;
 * 3. sdk/nodejs/cmd/pulumi-language-nodejs/main.go (`constructConfig`, `constructConfigSecretKeys`): the
 *    environment variables `PULUMI_CONFIG` (a JSON object with keys rewritten to the old `<namespace>:config:<name>`
 *    form) and `PULUMI_CONFIG_SECRET_KEYS` (a JSON list), which @pulumi/pulumi's runtime/config reads.
 * At the pulumi/pulumi commit in `./source.ts`.
 */
import { parseKey } from "./configKey";
import type { ConfigMap } from "./configMap";
import type { Decrypter } from "./crypter";
import { goJsonMarshal } from "./goJson";
import { GoMap } from "./goValue";

/** The config as the engine hands it to the language host. */
export interface ProgramConfig {
  /** `<namespace>:<name>` to the value's text. */
  config: Record<string, string>;
  /** Keys whose value is (or holds) a secret, `<namespace>:<name>`, in key order. */
  secretKeys: string[];
}

/** Step 1 and 2: what the engine sends in `RunRequest.config` and `configSecretKeys`. */
export async function configForProgram(stackConfig: ConfigMap, decrypter: Decrypter): Promise<ProgramConfig> {
  const decrypted = await stackConfig.decrypt(decrypter);
  return {
    config: Object.fromEntries(decrypted),
    secretKeys: stackConfig.secureKeys().map((k) => k.toString()),
  };
}

/** Step 3: the Node.js language host's environment for the program. */
export function nodeLanguageHostEnvironment(program: ProgramConfig): {
  PULUMI_CONFIG: string;
  PULUMI_CONFIG_SECRET_KEYS: string;
} {
  const transformed = new GoMap();
  for (const [k, v] of Object.entries(program.config)) {
    const key = parseKey(k);
    transformed.set(`${key.namespace}:config:${key.name}`, v);
  }
  return {
    PULUMI_CONFIG: goJsonMarshal(transformed),
    PULUMI_CONFIG_SECRET_KEYS: goJsonMarshal(program.secretKeys),
  };
}
