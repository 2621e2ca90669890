/**
 * The CLI's config crypters, ported from pulumi/pulumi sdk/go/common/resource/config/crypt.go (`nopCrypter`,
 * `panicCrypter`, `errorCrypter`, `base64Crypter`, `symmetricCrypter`, `NewSymmetricCrypterFromPassphrase`) and
 * the passphrase secrets provider's state from pkg/secrets/passphrase/manager.go
 * (`NewPassphraseSecretsManager`, `symmetricCrypterFromPhraseAndState`), at the commit in `./source.ts`.
 *
 * Passphrase secrets: AES-256-GCM with a 12-byte random nonce, written `v1:<base64 nonce>:<base64 ciphertext+tag>`;
 * the key is PBKDF2-HMAC-SHA256 of the passphrase with the stack's 8-byte salt, 1,000,000 iterations, 32 bytes.
 * The stack file keeps `encryptionsalt: v1:<base64 salt>:<"pulumi" encrypted with that key>`, which is how a wrong
 * passphrase is told apart.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes } from "node:crypto";

/** Decrypts config ciphertexts (`config.Decrypter`). */
export interface Decrypter {
  /** Plaintext of one ciphertext. */
  decryptValue(ciphertext: string): Promise<string>;
  /** `BatchDecrypt`, where the decrypter has its own (its errors differ from `decryptValue`'s). */
  batchDecrypt?(ciphertexts: string[]): Promise<string[]>;
}

/** Encrypts config plaintexts (`config.Encrypter`). */
export interface Encrypter {
  /** Ciphertext of one plaintext; a new one each call. */
  encryptValue(plaintext: string): Promise<string>;
}

/** Both directions (`config.Crypter`). */
export interface Crypter extends Encrypter, Decrypter {}

/** `NopDecrypter`/`NopEncrypter`: values pass unchanged; `Value.Value(NopDecrypter)` returns the stored text. */
export const nopCrypter: Crypter = {
  decryptValue: async (ciphertext) => ciphertext,
  encryptValue: async (plaintext) => plaintext,
};

/** `NewPanicCrypter`: any use is a bug (the CLI's tests pass it where no secret may be touched). */
export const panicCrypter: Crypter = {
  decryptValue: async () => {
    throw new Error("attempt to decrypt value");
  },
  batchDecrypt: async () => {
    throw new Error("attempt to batch decrypt values");
  },
  encryptValue: async () => {
    throw new Error("attempt to encrypt value");
  },
};

/** `NewErrorCrypter`: every call fails with the given reason. */
export function errorCrypter(reason: string): Crypter {
  return {
    decryptValue: async () => {
      throw new Error(`failed to decrypt: ${reason}`);
    },
    batchDecrypt: async () => {
      throw new Error(`failed to batch decrypt: ${reason}`);
    },
    encryptValue: async () => {
      throw new Error(`failed to encrypt: ${reason}`);
    },
  };
}

/** `Base64Crypter`: "encrypts" by base64-encoding (the CLI's tests use it). */
export const base64Crypter: Crypter = {
  decryptValue: async (ciphertext) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(ciphertext) || ciphertext.length % 4 !== 0) {
      throw new Error("illegal base64 data");
    }
    return Buffer.from(ciphertext, "base64").toString("utf8");
  },
  encryptValue: async (plaintext) => Buffer.from(plaintext, "utf8").toString("base64"),
};

/** `SymmetricCrypterKeyBytes`. */
export const SYMMETRIC_KEY_BYTES = 32;
/** `NewSymmetricCrypterFromPassphrase`: PBKDF2 iterations. */
export const PBKDF2_ITERATIONS = 1_000_000;
const NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** `NewSymmetricCrypter`: AES-256-GCM, values `v1:<nonce>:<ciphertext>` in standard base64. */
export function symmetricCrypter(key: Buffer): Crypter {
  if (key.length !== SYMMETRIC_KEY_BYTES) {
    throw new Error("AES-256-GCM needs a 32 byte key");
  }
  return {
    async encryptValue(plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      // Go's aesgcm.Seal appends the 16-byte tag to the ciphertext.
      const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
    },
    async decryptValue(value) {
      const parts = value.split(":");
      if (parts.length !== 3) {
        throw new Error("bad value");
      }
      if (parts[0] !== "v1") {
        throw new Error("unknown value version");
      }
      const nonce = strictBase64(parts[1]);
      const sealed = strictBase64(parts[2]);
      if (nonce.length !== NONCE_BYTES) {
        throw new Error("bad value: nonce size is incorrect");
      }
      if (sealed.length < GCM_TAG_BYTES) {
        throw new Error("cipher: message authentication failed");
      }
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new Error("cipher: message authentication failed");
      }
    },
  };
}

function strictBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error("bad value: illegal base64 data");
  }
  return Buffer.from(text, "base64");
}

const derivedKeys = new Map<string, Promise<Buffer>>();

/**
 * PBKDF2 of the passphrase, memoised per passphrase and salt (the derivation is slow by design; the CLI caches
 * its secrets managers per state for the same reason).
 */
function passphraseKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  const id = `${salt.toString("base64")}\0${passphrase}`;
  let key = derivedKeys.get(id);
  if (!key) {
    key = new Promise<Buffer>((resolve, reject) =>
      pbkdf2(passphrase, salt, PBKDF2_ITERATIONS, SYMMETRIC_KEY_BYTES, "sha256", (err, derived) =>
        err ? reject(err) : resolve(derived),
      ),
    );
    derivedKeys.set(id, key);
  }
  return key;
}

/** `NewSymmetricCrypterFromPassphrase`. */
export async function symmetricCrypterFromPassphrase(passphrase: string, salt: Buffer): Promise<Crypter> {
  return symmetricCrypter(await passphraseKey(passphrase, salt));
}

/** `ErrIncorrectPassphrase`. */
export class IncorrectPassphraseError extends Error {
  constructor() {
    super("incorrect passphrase");
    this.name = "IncorrectPassphraseError";
  }
}

/**
 * `symmetricCrypterFromPhraseAndState`: the crypter for a stack's `encryptionsalt`, after checking that the
 * passphrase decrypts the stored `pulumi`.
 * @throws IncorrectPassphraseError when it does not
 */
export async function passphraseCrypter(passphrase: string, encryptionSalt: string): Promise<Crypter> {
  const splits = splitN(encryptionSalt, ":", 3);
  if (splits.length !== 3) {
    throw new Error("malformed state value");
  }
  if (splits[0] !== "v1") {
    throw new Error("unknown state version");
  }
  const salt = Buffer.from(splits[1], "base64");
  const crypter = await symmetricCrypterFromPassphrase(passphrase, salt);
  let check: string | undefined;
  try {
    check = await crypter.decryptValue(splits[2]);
  } catch {
    check = undefined;
  }
  if (check !== "pulumi") {
    throw new IncorrectPassphraseError();
  }
  return crypter;
}

/** `NewPassphraseSecretsManager`: a fresh `encryptionsalt` for a passphrase, and its crypter. */
export async function newPassphraseState(
  passphrase: string,
): Promise<{ encryptionSalt: string; crypter: Crypter }> {
  const salt = randomBytes(8);
  const crypter = await symmetricCrypterFromPassphrase(passphrase, salt);
  const check = await crypter.encryptValue("pulumi");
  return { encryptionSalt: `v1:${salt.toString("base64")}:${check}`, crypter };
}

/** Go's `strings.SplitN`. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
