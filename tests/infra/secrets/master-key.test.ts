import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveMasterKeys, SecretsKeyFileError } from "../../../src/infra/secrets/master-key.js";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "master-key-"));
  dirs.push(dir);
  return dir;
};
const none = { key: undefined, previousKey: undefined };

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("resolveMasterKeys", () => {
  it("takes SECRETS_KEY (and SECRETS_KEY_PREVIOUS) when set, and makes no key file", () => {
    const dir = dataDir();
    const key = randomBytes(32);
    const previousKey = randomBytes(32);
    const keys = resolveMasterKeys({ secrets: { key, previousKey }, dataDir: dir, databaseUrl: undefined });
    expect(keys).toMatchObject({ source: "SECRETS_KEY", file: null, created: false });
    expect(keys?.current.equals(key)).toBe(true);
    expect(keys?.previous?.equals(previousKey)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("has no key on the cluster profile without SECRETS_KEY", () => {
    const dir = dataDir();
    expect(resolveMasterKeys({ secrets: none, dataDir: dir, databaseUrl: "postgres://x/y" })).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("makes DATA_DIR/secrets.key once (0600, no temporary file left) and reads it afterwards", () => {
    const dir = join(dataDir(), "not-yet");
    const first = resolveMasterKeys({ secrets: none, dataDir: dir, databaseUrl: undefined });
    const second = resolveMasterKeys({ secrets: none, dataDir: dir, databaseUrl: undefined });
    expect(first).toMatchObject({ source: "key file", created: true });
    expect(second).toMatchObject({ source: "key file", created: false });
    expect(second?.current.equals(first!.current)).toBe(true);
    expect(statSync(join(dir, "secrets.key")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["secrets.key"]);
  });

  it("accepts a narrower mode, refuses a wider one, a symlink and content that is not a key", () => {
    const dir = dataDir();
    const file = join(dir, "secrets.key");
    const settings = { secrets: none, dataDir: dir, databaseUrl: undefined };
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`);
    chmodSync(file, 0o400);
    expect(resolveMasterKeys(settings)?.created).toBe(false);
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(file, mode);
      expect(() => resolveMasterKeys(settings)).toThrow(SecretsKeyFileError);
      expect(() => resolveMasterKeys(settings)).toThrow(/must be 0600/);
    }
    chmodSync(file, 0o600);
    for (const content of ["", "hello world", randomBytes(31).toString("base64"), "x".repeat(1000)]) {
      writeFileSync(file, content);
      expect(() => resolveMasterKeys(settings)).toThrow(/must hold 32 bytes in base64/);
    }
    rmSync(file);
    const elsewhere = join(dataDir(), "real.key");
    writeFileSync(elsewhere, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    symlinkSync(elsewhere, file);
    expect(() => resolveMasterKeys(settings)).toThrow(SecretsKeyFileError);
    expect(existsSync(file)).toBe(true);
  });
});
