import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { domainDeps } from "../../../src/app.js";
import { newId } from "../../../src/domain/ids.js";
import { SecretRecord } from "../../../src/domain/records.js";
import { SecretService } from "../../../src/domain/secrets/secret.service.js";
import type { SecretStore } from "../../../src/domain/secrets/secret.store.js";
import type { Keyset } from "../../../src/domain/shared/pagination.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlSecretStore } from "../../../src/infra/db/stores/secret.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { EnvelopeCipher } from "../../../src/infra/secrets/envelope.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };
const newest = (n: number): Keyset => ({ olderThan: null, newerThan: null, newestFirst: true, limit: n });

/** A row as the service writes it (the envelope is not real: the store does not read it). */
function row(over: Partial<SecretRecord>): SecretRecord {
  const now = new Date();
  return Object.assign(new SecretRecord(), {
    id: newId(),
    name: `s-${randomBytes(3).toString("hex")}`,
    kind: "OTHER",
    scope: "GLOBAL",
    scopeId: "",
    ciphertext: "c",
    wrappedKey: "w",
    masterKeyId: "aaaaaaaaaaaaaaaa",
    last4: "",
    version: 1,
    createdBy: null,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
    lastUsedByToolCallId: null,
    lastUsedFor: null,
    ...over,
  });
}

describeProfiles("SecretStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlSecretStore;
  let agentId: string;
  let taskId: string;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });
  const insert = async (over: Partial<SecretRecord>) => {
    const r = row(over);
    await transact()((tx) => store.insert(tx, r));
    return r;
  };

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlSecretStore(db);
    agentId = (await fixtures.agent(db)).id;
    taskId = (await fixtures.task(db)).id;
  });
  afterAll(() => close?.());

  it("refuses a name twice in one scope (CONFLICT on name), allows it in another", async () => {
    await insert({ name: "same" });
    await expect(insert({ name: "same" })).rejects.toMatchObject({ code: "CONFLICT", details: { field: "name" } });
    await insert({ name: "same", scope: "AGENT", scopeId: agentId });
    await insert({ name: "same", scope: "TASK", scopeId: taskId });
  });

  it("finds the secrets that apply to a task and agent, by kind or by name", async () => {
    const g = await insert({ kind: "GITHUB_TOKEN" });
    const a = await insert({ kind: "GITHUB_TOKEN", scope: "AGENT", scopeId: agentId });
    const t = await insert({ kind: "GITHUB_TOKEN", scope: "TASK", scopeId: taskId });
    const ids = async (lookup: { agentId?: string; taskId?: string }) =>
      (await store.applicable(lookup, { kind: "GITHUB_TOKEN" })).map((r) => r.id).sort();
    expect(await ids({})).toEqual([g.id]);
    expect(await ids({ agentId })).toEqual([g.id, a.id].sort());
    expect(await ids({ agentId, taskId })).toEqual([g.id, a.id, t.id].sort());
    expect(await ids({ taskId: newId() })).toEqual([g.id]);
    expect((await store.applicable({ taskId }, { name: "same" })).map((r) => r.scope).sort()).toEqual([
      "GLOBAL",
      "TASK",
    ]);
  });

  it("changes a row only at the version it was read at, and records uses without a new version", async () => {
    const r = await insert({});
    expect(await store.changeIfVersion(r.id, 2, { wrappedKey: "stale" })).toBe(false);
    expect(await store.changeIfVersion(r.id, 1, { wrappedKey: "w2", masterKeyId: "bbbbbbbbbbbbbbbb" })).toBe(true);
    expect(await store.changeIfVersion(r.id, 1, { wrappedKey: "late" })).toBe(false);
    const toolCallId = newId();
    await store.recordUse(r.id, { at: new Date(), toolCallId, purpose: "gitPush" });
    expect(await store.get(r.id)).toMatchObject({
      wrappedKey: "w2",
      masterKeyId: "bbbbbbbbbbbbbbbb",
      version: 2,
      lastUsedFor: "gitPush",
      lastUsedByToolCallId: toolCallId,
    });
    expect(await transact()((tx) => store.delete(tx, r.id))).toBe(true);
    expect(await transact()((tx) => store.delete(tx, r.id))).toBe(false);
    expect(await store.changeIfVersion(r.id, 2, { wrappedKey: "gone" })).toBe(false);
  });

  it("pages by kind and scope, and lists the rows of other master keys in id order", async () => {
    const models = [await insert({ kind: "MODEL_API_KEY" }), await insert({ kind: "MODEL_API_KEY" })];
    const filter = { kind: "MODEL_API_KEY" as const, scope: null };
    expect((await store.page(filter, newest(10))).map((r) => r.id)).toEqual([models[1]!.id, models[0]!.id]);
    expect(await store.count(filter)).toBe(2);
    expect(await store.count({ kind: null, scope: "TASK" })).toBe(2);
    const old = [await insert({ masterKeyId: "cccccccccccccccc" }), await insert({ masterKeyId: "cccccccccccccccc" })];
    const others = await store.wrappedByOtherKeys("aaaaaaaaaaaaaaaa", null, 1000);
    expect(others.map((r) => r.id)).toEqual([...others.map((r) => r.id)].sort());
    expect(others.map((r) => r.id)).toEqual(expect.arrayContaining(old.map((r) => r.id)));
    expect(others.every((r) => r.masterKeyId !== "aaaaaaaaaaaaaaaa")).toBe(true);
    expect((await store.wrappedByOtherKeys("aaaaaaaaaaaaaaaa", old[0]!.id, 10)).map((r) => r.id)).toEqual([old[1]!.id]);
    expect(await store.ownerExists("AGENT", agentId)).toBe(true);
    expect(await store.ownerExists("TASK", taskId)).toBe(true);
    expect(await store.ownerExists("AGENT", taskId)).toBe(false);
  });

  it("rotation does not overwrite a value replaced between its read and its write", async () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const deps = domainDeps(db, new MemoryPubSub(), logger);
    const before = new SecretService(deps, store, new EnvelopeCipher({ current: keyA, previous: null }));
    const created = await before.create({ name: "raced", kind: "OTHER", value: "old value 1234", scope: "GLOBAL" });
    const cipher = new EnvelopeCipher({ current: keyB, previous: keyA });
    const after = new SecretService(deps, store, cipher);
    // A store on which an updateSecret lands just before rotation writes its re-wrap of this row.
    let raced = false;
    const racing: SecretStore = Object.assign(Object.create(store) as SecretStore, {
      changeIfVersion: async (...args: Parameters<SecretStore["changeIfVersion"]>) => {
        if (!raced && args[0] === created.id) {
          raced = true;
          await after.update(created.id, "new value 5678");
        }
        return store.changeIfVersion(...args);
      },
    });
    const rotation = await new SecretService(deps, racing, cipher).rotate();
    expect(raced).toBe(true);
    expect(rotation.remaining.map((r) => r.secret.id)).not.toContain(created.id);
    expect(await after.revealByName("raced", {}, { toolCallId: null, purpose: "test" })).toBe("new value 5678");
    expect(await store.get(created.id)).toMatchObject({ version: 2, last4: "5678" });
  });
});
