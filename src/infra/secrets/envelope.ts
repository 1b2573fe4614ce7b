import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import type { SealedValue, SecretCipher } from "../../domain/secrets/secret-cipher.js";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A master key's id: the first 16 hex digits of its sha256 (names the key, reveals nothing of it). */
export const masterKeyIdOf = (key: Buffer): string => createHash("sha256").update(key).digest("hex").slice(0, 16);

/**
 * What each encryption is bound to (GCM's additional data): the secret's id, and whether it is the
 * value or the data key. A ciphertext or wrapped key copied to another row, or swapped for the
 * other, fails authentication.
 */
const valueAad = (secretId: string) => Buffer.from(`secret-value:${secretId}`, "utf8");
const dataKeyAad = (secretId: string) => Buffer.from(`secret-data-key:${secretId}`, "utf8");

/** base64 of iv | tag | ciphertext of `plaintext` under `key`, with a fresh random iv. */
function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** The plaintext of `sealed`, or null when it is not base64 of iv | tag | ciphertext or fails authentication. */
function decrypt(key: Buffer, sealed: string, aad: Buffer): Buffer | null {
  const raw = Buffer.from(sealed, "base64");
  // Buffer.from skips what is not base64: a text that does not encode back exactly was altered.
  if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString("base64") !== sealed) return null;
  const decipher = createDecipheriv(ALGORITHM, key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  decipher.setAAD(aad);
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

const unreadable = (secretId: string, masterKeyId: string, reason: "ALTERED" | "KEY_NOT_CONFIGURED") =>
  new DomainError(
    "SECRET_UNREADABLE",
    reason === "ALTERED"
      ? "its ciphertext or wrapped data key was altered (authentication failed)"
      : `master key ${masterKeyId} is not configured (set SECRETS_KEY, or SECRETS_KEY_PREVIOUS during a rotation, to the key with this id)`,
    { secretId, masterKeyId, reason },
  );

/** The master keys: the current one wraps every new data key; the previous one still unwraps. */
export interface MasterKeys {
  current: Buffer;
  previous: Buffer | null;
}

/**
 * Envelope encryption with AES-256-GCM: each value under a fresh random 32-byte data key (a new
 * one on every change of the value), the data key wrapped by the master key the same way. Both
 * are bound to the secret's id. Data keys and plaintexts are zeroed once used.
 */
export class EnvelopeCipher implements SecretCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly previous: { id: string; key: Buffer } | null;

  constructor(keys: MasterKeys) {
    if (keys.current.length !== KEY_BYTES) throw new Error(`a master key must be ${KEY_BYTES} bytes`);
    this.current = { id: masterKeyIdOf(keys.current), key: Buffer.from(keys.current) };
    const previous = keys.previous && masterKeyIdOf(keys.previous) !== this.current.id ? keys.previous : null;
    if (previous && previous.length !== KEY_BYTES) throw new Error(`a master key must be ${KEY_BYTES} bytes`);
    this.previous = previous ? { id: masterKeyIdOf(previous), key: Buffer.from(previous) } : null;
  }

  currentKeyId(): string {
    return this.current.id;
  }

  /** The previous master key's id, while one is configured. */
  previousKeyId(): string | null {
    return this.previous?.id ?? null;
  }

  isCurrentKey(masterKeyId: string): boolean {
    return masterKeyId === this.current.id;
  }

  seal(secretId: string, value: string): SealedValue {
    const dataKey = randomBytes(KEY_BYTES);
    const plaintext = Buffer.from(value, "utf8");
    try {
      return {
        ciphertext: encrypt(dataKey, plaintext, valueAad(secretId)),
        wrappedKey: encrypt(this.current.key, dataKey, dataKeyAad(secretId)),
        masterKeyId: this.current.id,
      };
    } finally {
      dataKey.fill(0);
      plaintext.fill(0);
    }
  }

  open(secretId: string, sealed: SealedValue): string {
    const dataKey = this.unwrap(secretId, sealed);
    try {
      const plaintext = decrypt(dataKey, sealed.ciphertext, valueAad(secretId));
      if (!plaintext) throw unreadable(secretId, sealed.masterKeyId, "ALTERED");
      const value = plaintext.toString("utf8");
      plaintext.fill(0);
      return value;
    } finally {
      dataKey.fill(0);
    }
  }

  rewrap(secretId: string, sealed: SealedValue): Pick<SealedValue, "wrappedKey" | "masterKeyId"> {
    const dataKey = this.unwrap(secretId, sealed);
    try {
      return { wrappedKey: encrypt(this.current.key, dataKey, dataKeyAad(secretId)), masterKeyId: this.current.id };
    } finally {
      dataKey.fill(0);
    }
  }

  /** The data key, unwrapped by whichever configured master key wrapped it. */
  private unwrap(secretId: string, sealed: SealedValue): Buffer {
    const master = [this.current, this.previous].find((k) => k !== null && k.id === sealed.masterKeyId);
    if (!master) throw unreadable(secretId, sealed.masterKeyId, "KEY_NOT_CONFIGURED");
    const dataKey = decrypt(master.key, sealed.wrappedKey, dataKeyAad(secretId));
    if (!dataKey || dataKey.length !== KEY_BYTES) {
      dataKey?.fill(0);
      throw unreadable(secretId, sealed.masterKeyId, "ALTERED");
    }
    return dataKey;
  }
}

/** The setting that makes the secrets store work (NOT_CONFIGURED's `setting`). */
export const SECRETS_KEY_SETTING = "SECRETS_KEY";

/** The cipher of a service without a master key (cluster profile without SECRETS_KEY): every use is NOT_CONFIGURED. */
export class UnconfiguredCipher implements SecretCipher {
  private fail(): never {
    throw new DomainError(
      "NOT_CONFIGURED",
      `The secrets store has no master key: set ${SECRETS_KEY_SETTING} to 32 random bytes in base64 (openssl rand -base64 32) on every process`,
      { setting: SECRETS_KEY_SETTING },
    );
  }

  currentKeyId(): string {
    return this.fail();
  }

  isCurrentKey(): boolean {
    return false;
  }

  seal(): SealedValue {
    return this.fail();
  }

  open(): string {
    return this.fail();
  }

  rewrap(): Pick<SealedValue, "wrappedKey" | "masterKeyId"> {
    return this.fail();
  }
}
