/**
 * A stack's config (`config.Map`): values by key, with path access (`a.b[0]`), decryption into the strings the
 * engine hands the program, and the list of secret keys. Ported from pulumi/pulumi
 * sdk/go/common/resource/config/map.go (`Get`, `Set`, `Decrypt`, `SecureKeys`) and object.go (`decryptMap`) at
 * the commit in `./source.ts`.
 */
import { ConfigKey, parseKeyPath } from "./configKey";
import { nopCrypter, type Decrypter } from "./crypter";
import {
  ciphertextsOf,
  ConfigValue,
  decryptObject,
  getObjectPath,
  marshalText,
  marshalValue,
  newContainer,
  setObjectPath,
  type ConfigObject,
} from "./configValue";

/** A stack's config values by key. */
export class ConfigMap {
  private readonly values = new Map<string, { key: ConfigKey; value: ConfigValue }>();

  /** Number of keys. */
  get size(): number {
    return this.values.size;
  }

  /** Every key, sorted by namespace then name (`KeyArray`'s order). */
  keys(): ConfigKey[] {
    return [...this.values.values()]
      .map((e) => e.key)
      .sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
  }

  /** The stored value of exactly this key (no path). */
  raw(key: ConfigKey): ConfigValue | undefined {
    return this.values.get(key.toString())?.value;
  }

  /**
   * `Map.Get`: with `path`, the key's name is a property path into the value of its first segment.
   * @returns `found: false` when the key (or a step of the path) is absent
   */
  get(key: ConfigKey, path: boolean): { found: boolean; value: ConfigValue } {
    if (!path) {
      const value = this.raw(key);
      return { found: value !== undefined, value: value ?? new ConfigValue("") };
    }
    const { path: steps, rootKey } = parseKeyPath(key);
    const root = this.raw(rootKey);
    if (steps.length === 1) {
      return { found: root !== undefined, value: root ?? new ConfigValue("") };
    }
    const member = getObjectPath((root ?? new ConfigValue("")).unmarshalObject(), steps.slice(1));
    if (!member.found) {
      return { found: false, value: new ConfigValue("") };
    }
    return { found: true, value: marshalValue(member.value) };
  }

  /** `Map.Set`: with `path`, sets the member the key's name points at, creating containers as needed. */
  set(key: ConfigKey, value: ConfigValue, path: boolean): void {
    if (!path) {
      this.values.set(key.toString(), { key, value });
      return;
    }
    const { path: steps, rootKey } = parseKeyPath(key);
    let member: ConfigObject = null;
    if (steps.length > 1 || value.typ !== "unknown") {
      member = value.coerceObject();
    }
    if (steps.length === 1) {
      this.values.set(rootKey.toString(), { key: rootKey, value });
      return;
    }
    const root = this.raw(rootKey);
    const rootObject = root ? root.unmarshalObject() : newContainer(steps[1]);
    const updated = setObjectPath(rootObject, steps.slice(0, 1), steps.slice(1), member);
    this.values.set(rootKey.toString(), { key: rootKey, value: marshalValue(updated) });
  }

  /** `Map.SecureKeys`: keys whose value is, or contains, a ciphertext. */
  secureKeys(): ConfigKey[] {
    return this.keys().filter((k) => this.raw(k)?.isSecure());
  }

  /**
   * `Map.Decrypt`: every value as the text the engine passes to the language host (secrets in plaintext,
   * objects as JSON). With the nop decrypter, the stored texts as they are.
   */
  async decrypt(decrypter: Decrypter): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (decrypter === nopCrypter) {
      for (const key of this.keys()) {
        result.set(key.toString(), await (this.raw(key) as ConfigValue).value(decrypter));
      }
      return result;
    }
    const objects = this.keys().map((key) => ({
      key,
      object: (this.raw(key) as ConfigValue).unmarshalObject(),
    }));
    // decryptMap: one batch of every ciphertext first (so a failing decrypter fails the whole map), then each
    // value re-marshalled from its decrypted form.
    const ciphertexts = objects.flatMap((o) => ciphertextsOf(o.object));
    const plaintexts = await batchDecrypt(decrypter, ciphertexts);
    const cache = new Map(ciphertexts.map((c, i) => [c, plaintexts[i]]));
    const cached: Decrypter = { decryptValue: async (c) => cache.get(c) ?? decrypter.decryptValue(c) };
    for (const { key, object } of objects) {
      result.set(key.toString(), marshalText(await decryptObject(object, [], cached)));
    }
    return result;
  }
}

/** `Decrypter.BatchDecrypt`, through the decrypter's own batch call where it has one. */
export async function batchDecrypt(decrypter: Decrypter, ciphertexts: string[]): Promise<string[]> {
  if (ciphertexts.length === 0) {
    return [];
  }
  if (decrypter.batchDecrypt) {
    return decrypter.batchDecrypt(ciphertexts);
  }
  const out: string[] = [];
  for (const c of ciphertexts) {
    out.push(await decrypter.decryptValue(c));
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
