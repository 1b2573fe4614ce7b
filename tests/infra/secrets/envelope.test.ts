import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/errors.js";
import { newId } from "../../../src/domain/ids.js";
import type { SealedValue } from "../../../src/domain/secrets/secret-cipher.js";
import { EnvelopeCipher, masterKeyIdOf, UnconfiguredCipher } from "../../../src/infra/secrets/envelope.js";

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const value = `ghp_${randomBytes(18).toString("base64url")}`;

/** The DomainError `fn` throws (fails the test when it throws something else or nothing). */
function failure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error("expected a failure");
}

/** `sealed` with the byte at `offset` of one field's decoded bytes flipped. */
function flipped(sealed: SealedValue, field: "ciphertext" | "wrappedKey", offset: number): SealedValue {
  const raw = Buffer.from(sealed[field], "base64");
  raw[offset] = (raw[offset] ?? 0) ^ 0x01;
  return { ...sealed, [field]: raw.toString("base64") };
}

describe("EnvelopeCipher", () => {
  it("round-trips a value, with a fresh data key and iv each time", () => {
    const cipher = new EnvelopeCipher({ current: keyA, previous: null });
    const id = newId();
    const one = cipher.seal(id, value);
    const two = cipher.seal(id, value);
    expect(cipher.open(id, one)).toBe(value);
    expect(cipher.open(id, two)).toBe(value);
    expect(one.ciphertext).not.toBe(two.ciphertext);
    expect(one.wrappedKey).not.toBe(two.wrappedKey);
    expect(one.masterKeyId).toBe(masterKeyIdOf(keyA));
    expect(one.masterKeyId).toMatch(/^[0-9a-f]{16}$/);
    for (const text of [one.ciphertext, one.wrappedKey]) {
      expect(text).not.toContain(value);
      expect(Buffer.from(text, "base64").toString("latin1")).not.toContain(value);
    }
    // iv (12) | tag (16) | ciphertext: a value's bytes, a data key's 32.
    expect(Buffer.from(one.ciphertext, "base64").length).toBe(12 + 16 + Buffer.byteLength(value));
    expect(Buffer.from(one.wrappedKey, "base64").length).toBe(12 + 16 + 32);
  });

  it("round-trips empty-adjacent, multibyte and 64 KiB values", () => {
    const cipher = new EnvelopeCipher({ current: keyA, previous: null });
    for (const v of ["x", "pässwörd ✓ 🔑", "k".repeat(64 * 1024)]) {
      const id = newId();
      expect(cipher.open(id, cipher.seal(id, v))).toBe(v);
    }
  });

  const regions = [
    { name: "the value's iv", field: "ciphertext", offset: 0 },
    { name: "the value's tag", field: "ciphertext", offset: 12 },
    { name: "the value's ciphertext", field: "ciphertext", offset: 28 },
    { name: "the wrapped key's iv", field: "wrappedKey", offset: 5 },
    { name: "the wrapped key's tag", field: "wrappedKey", offset: 20 },
    { name: "the wrapped key's ciphertext", field: "wrappedKey", offset: 40 },
  ] as const;
  for (const r of regions) {
    it(`refuses a flipped byte in ${r.name} with SECRET_UNREADABLE`, () => {
      const cipher = new EnvelopeCipher({ current: keyA, previous: null });
      const id = newId();
      const sealed = cipher.seal(id, value);
      const err = failure(() => cipher.open(id, flipped(sealed, r.field, r.offset)));
      expect(err.code).toBe("SECRET_UNREADABLE");
      expect(err.details.reason).toBe("ALTERED");
      expect(err.message).toMatch(/altered/);
      expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(value);
    });
  }

  it("refuses base64 that was edited without changing the bytes, and truncated ciphertexts", () => {
    const cipher = new EnvelopeCipher({ current: keyA, previous: null });
    const id = newId();
    const sealed = cipher.seal(id, value);
    for (const bad of [
      { ...sealed, ciphertext: `${sealed.ciphertext}!!` },
      { ...sealed, ciphertext: sealed.ciphertext.slice(0, 20) },
      { ...sealed, wrappedKey: "" },
      { ...sealed, ciphertext: sealed.wrappedKey, wrappedKey: sealed.ciphertext },
    ]) {
      expect(failure(() => cipher.open(id, bad)).code).toBe("SECRET_UNREADABLE");
    }
  });

  it("refuses a ciphertext copied to another row (the id is bound into both layers)", () => {
    const cipher = new EnvelopeCipher({ current: keyA, previous: null });
    const id = newId();
    const other = newId();
    const sealed = cipher.seal(id, value);
    const err = failure(() => cipher.open(other, sealed));
    expect(err.code).toBe("SECRET_UNREADABLE");
    // Moving only the value's ciphertext onto another row's data key fails too.
    const theirs = cipher.seal(other, "another value");
    expect(failure(() => cipher.open(other, { ...theirs, ciphertext: sealed.ciphertext })).code).toBe(
      "SECRET_UNREADABLE",
    );
  });

  it("names the master key it lacks, and reads with SECRETS_KEY_PREVIOUS until re-wrapped", () => {
    const id = newId();
    const underA = new EnvelopeCipher({ current: keyA, previous: null }).seal(id, value);
    const bOnly = new EnvelopeCipher({ current: keyB, previous: null });
    const err = failure(() => bOnly.open(id, underA));
    expect(err.code).toBe("SECRET_UNREADABLE");
    expect(err.details.reason).toBe("KEY_NOT_CONFIGURED");
    expect(err.message).toContain(`master key ${masterKeyIdOf(keyA)} is not configured`);

    const rotating = new EnvelopeCipher({ current: keyB, previous: keyA });
    expect(rotating.open(id, underA)).toBe(value);
    expect(rotating.isCurrentKey(underA.masterKeyId)).toBe(false);
    const rewrapped = { ...underA, ...rotating.rewrap(id, underA) };
    expect(rewrapped.masterKeyId).toBe(masterKeyIdOf(keyB));
    expect(rewrapped.ciphertext).toBe(underA.ciphertext);
    expect(bOnly.open(id, rewrapped)).toBe(value);
    // The old master key no longer opens it.
    expect(failure(() => new EnvelopeCipher({ current: keyA, previous: null }).open(id, rewrapped)).code).toBe(
      "SECRET_UNREADABLE",
    );
  });

  it("refuses to re-wrap an altered data key", () => {
    const id = newId();
    const underA = new EnvelopeCipher({ current: keyA, previous: null }).seal(id, value);
    const rotating = new EnvelopeCipher({ current: keyB, previous: keyA });
    expect(failure(() => rotating.rewrap(id, flipped(underA, "wrappedKey", 30))).code).toBe("SECRET_UNREADABLE");
  });

  it("without a master key, every use is NOT_CONFIGURED naming SECRETS_KEY", () => {
    const cipher = new UnconfiguredCipher();
    const err = failure(() => cipher.seal());
    expect(err.code).toBe("NOT_CONFIGURED");
    expect(err.details).toEqual({ setting: "SECRETS_KEY" });
    expect(failure(() => cipher.currentKeyId()).code).toBe("NOT_CONFIGURED");
    expect(cipher.isCurrentKey()).toBe(false);
  });
});
