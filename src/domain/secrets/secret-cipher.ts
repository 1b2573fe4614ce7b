/** A secret's value as it is stored: encrypted under a data key, the data key under a master key. */
export interface SealedValue {
  /** base64 of iv (12) | tag (16) | ciphertext: the value under its data key. */
  ciphertext: string;
  /** base64 of iv (12) | tag (16) | ciphertext: the data key under the master key. */
  wrappedKey: string;
  /** Which master key wrapped the data key (the first 16 hex digits of its sha256). */
  masterKeyId: string;
}

/**
 * How secret values are encrypted at rest (implemented in src/infra/secrets/envelope.ts): a fresh
 * data key per value, wrapped by a master key, both bound to the secret's id so that a ciphertext
 * moved to another row does not decrypt. Every failure to decrypt is SECRET_UNREADABLE; with no
 * master key configured every method throws NOT_CONFIGURED.
 */
export interface SecretCipher {
  /** The id of the master key new values are wrapped with (NOT_CONFIGURED when there is none). */
  currentKeyId(): string;
  /** Whether `masterKeyId` is the current master key's (false when none is configured). */
  isCurrentKey(masterKeyId: string): boolean;
  /** `value` under a fresh data key, wrapped by the current master key. */
  seal(secretId: string, value: string): SealedValue;
  /** The value; SECRET_UNREADABLE when anything was altered or the master key that wrapped it is not configured. */
  open(secretId: string, sealed: SealedValue): string;
  /** The same data key wrapped by the current master key; the value itself is not decrypted. */
  rewrap(secretId: string, sealed: SealedValue): Pick<SealedValue, "wrappedKey" | "masterKeyId">;
}
