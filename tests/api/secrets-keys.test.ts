import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretRecord } from "../../src/domain/records.js";
import { masterKeyIdOf } from "../../src/infra/secrets/envelope.js";
import {
  CreateSecretDocument,
  DeleteSecretDocument,
  RotateSecretsKeyDocument,
  SecretsDocument,
  UpdateSecretDocument,
} from "../generated/graphql.js";
import { createTestDatabase } from "../helpers/pg.js";
import { describeProfiles, profiles, type ProfileName } from "../helpers/profiles.js";
import { secretInput, secretValue } from "../helpers/secrets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const b64 = (key: Buffer) => key.toString("base64");

/** Starts with `env` on the same database each time (SQLite: the same DATA_DIR). */
function restartable(profile: ProfileName) {
  let dataDir = "";
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  return {
    async prepare() {
      dataDir = mkdtempSync(join(tmpdir(), "secrets-rotation-"));
      if (profile === "postgres") database = await createTestDatabase();
    },
    start(env: Record<string, string>) {
      return startTestServer(profile, {
        dataDir,
        keepData: true,
        env,
        ...(database ? { databaseUrl: database.url } : {}),
      });
    },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}

describeProfiles("secrets master key rotation", (profile) => {
  const db = restartable(profile);
  beforeAll(() => db.prepare());
  afterAll(() => db.cleanup());

  it("fails without the old key, reads with SECRETS_KEY_PREVIOUS, re-wraps, then reads with the new key alone", async () => {
    const stored = new Map<string, string>();
    let server = await db.start({ SECRETS_KEY: b64(keyA) });
    let orphanId: string;
    try {
      for (const name of ["one", "two", "three"]) {
        const value = secretValue(name);
        stored.set(name, value);
        await server.ok(CreateSecretDocument, { input: secretInput({ name, kind: "OTHER", value }) });
      }
      // One wrapped by a key no process has: it can never be re-wrapped.
      const orphan = await server.ok(CreateSecretDocument, { input: secretInput({ name: "orphan", kind: "OTHER" }) });
      orphanId = orphan.createSecret.id;
      await server.app.db.fork().nativeUpdate(SecretRecord, { id: orphanId }, { masterKeyId: "0123456789abcdef" });
    } finally {
      await server.stop();
    }
    const read = (s: TestServer, name: string) =>
      s.app.services.secrets.revealByName(name, {}, { toolCallId: null, purpose: "rotation test" });

    server = await db.start({ SECRETS_KEY: b64(keyB) });
    try {
      await expect(read(server, "one")).rejects.toMatchObject({
        code: "SECRET_UNREADABLE",
        details: { reason: "KEY_NOT_CONFIGURED", masterKeyId: masterKeyIdOf(keyA) },
      });
      await expect(read(server, "one")).rejects.toThrow(`master key ${masterKeyIdOf(keyA)} is not configured`);
      const listed = await server.ok(SecretsDocument, {});
      expect(listed.secrets.edges.every((e) => !e.node.currentKey)).toBe(true);
      // New secrets are wrapped by the new key meanwhile.
      const value = secretValue("new");
      stored.set("four", value);
      const four = await server.ok(CreateSecretDocument, {
        input: secretInput({ name: "four", kind: "OTHER", value }),
      });
      expect(four.createSecret).toMatchObject({ currentKey: true, masterKeyId: masterKeyIdOf(keyB) });
    } finally {
      await server.stop();
    }

    server = await db.start({ SECRETS_KEY: b64(keyB), SECRETS_KEY_PREVIOUS: b64(keyA) });
    try {
      for (const [name, value] of stored) expect(await read(server, name)).toBe(value);
      const rotation = (await server.ok(RotateSecretsKeyDocument)).rotateSecretsKey;
      expect(rotation.currentKeyId).toBe(masterKeyIdOf(keyB));
      expect(rotation.rewrapped).toBe(3);
      expect(rotation.remaining.map((r) => r.secret.id)).toEqual([orphanId]);
      expect(rotation.remaining[0]?.reason).toMatch(/master key 0123456789abcdef is not configured/);
      const again = (await server.ok(RotateSecretsKeyDocument)).rotateSecretsKey;
      expect(again.rewrapped).toBe(0);
      await server.ok(DeleteSecretDocument, { id: orphanId });
      const listed = await server.ok(SecretsDocument, {});
      expect(listed.secrets.edges.map((e) => e.node.currentKey)).toEqual([true, true, true, true]);
    } finally {
      await server.stop();
    }

    server = await db.start({ SECRETS_KEY: b64(keyB) });
    try {
      for (const [name, value] of stored) expect(await read(server, name)).toBe(value);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!profiles.find((p) => p.name === "sqlite")?.enabled)("secrets key file [sqlite]", () => {
  const start = (dataDir: string) => startTestServer("sqlite", { dataDir, keepData: true });

  it("is created with mode 0600 on the first start and reused on the next", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "secrets-keyfile-"));
    try {
      let server = await start(dataDir);
      const file = join(dataDir, "secrets.key");
      const value = secretValue("file");
      let created;
      try {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const text = readFileSync(file, "utf8").trim();
        expect(Buffer.from(text, "base64")).toHaveLength(32);
        created = (await server.ok(CreateSecretDocument, { input: secretInput({ name: "kept", value }) })).createSecret;
        expect(created.masterKeyId).toBe(masterKeyIdOf(Buffer.from(text, "base64")));
      } finally {
        await server.stop();
      }
      const before = readFileSync(file, "utf8");
      server = await start(dataDir);
      try {
        expect(readFileSync(file, "utf8")).toBe(before);
        expect(
          await server.app.services.secrets.revealByName("kept", {}, { toolCallId: null, purpose: "restart" }),
        ).toBe(value);
        expect((await server.ok(SecretsDocument, {})).secrets.edges[0]?.node).toMatchObject({
          id: created.id,
          currentKey: true,
        });
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("refuses to start with a key file others may read, or one that does not hold a key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "secrets-keyfile-"));
    const file = join(dataDir, "secrets.key");
    try {
      writeFileSync(file, `${b64(keyA)}\n`, { mode: 0o600 });
      chmodSync(file, 0o644);
      await expect(start(dataDir)).rejects.toThrow(/secrets\.key has mode 0644.*must be 0600/);
      chmodSync(file, 0o600);
      writeFileSync(file, "not a key\n");
      await expect(start(dataDir)).rejects.toThrow(/must hold 32 bytes in base64/);
      writeFileSync(file, `${randomBytes(16).toString("base64")}\n`);
      await expect(start(dataDir)).rejects.toThrow(/must hold 32 bytes in base64/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!profiles.find((p) => p.name === "postgres")?.enabled)("secrets without SECRETS_KEY [postgres]", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("postgres");
  });
  afterAll(() => server?.stop());

  it("starts, and answers every secret operation with NOT_CONFIGURED naming SECRETS_KEY", async () => {
    const id = "01a211fa-0000-7000-8000-000000000000";
    const attempts = [
      await server.gql(SecretsDocument, {}),
      await server.gql(CreateSecretDocument, { input: secretInput() }),
      await server.gql(UpdateSecretDocument, { id, value: "v" }),
      await server.gql(DeleteSecretDocument, { id }),
      await server.gql(RotateSecretsKeyDocument, {}),
    ];
    for (const r of attempts) {
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: "NOT_CONFIGURED", setting: "SECRETS_KEY" });
    }
    await expect(
      server.app.services.secrets.reveal("GITHUB_TOKEN", {}, { toolCallId: null, purpose: "x" }),
    ).rejects.toMatchObject({ code: "NOT_CONFIGURED", details: { setting: "SECRETS_KEY" } });
    expect(readdirSync(server.config.dataDir)).not.toContain("secrets.key");
  });
});
