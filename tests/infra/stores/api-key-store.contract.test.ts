import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { ApiKeyRecord } from "../../../src/domain/records.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlApiKeyStore } from "../../../src/infra/db/stores/api-key.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

const key = (o: Partial<ApiKeyRecord> = {}): ApiKeyRecord =>
  Object.assign(new ApiKeyRecord(), {
    id: newId(),
    name: "k",
    role: "VIEWER",
    keyHash: `hash-${Math.random()}`,
    prefix: "ak_abc",
    agentId: null,
    source: "API",
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
    ...o,
  });

describeProfiles("ApiKeyStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlApiKeyStore;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlApiKeyStore(db);
  });
  afterAll(() => close?.());

  it("inserts, finds by id and hash, lists (revoked or not) and updates", async () => {
    const a = key({ role: "ADMIN" });
    const b = key();
    await transact()(async (tx) => {
      await store.insert(tx, a);
      await store.insert(tx, b);
    });
    expect((await store.get(a.id))?.keyHash).toBe(a.keyHash);
    expect((await store.byHash(b.keyHash))?.id).toBe(b.id);
    expect(await store.byHash("nope")).toBeNull();
    await store.update(null, b.id, { revokedAt: new Date(), lastUsedAt: new Date() });
    expect((await store.list(false)).map((k) => k.id)).toEqual([a.id]);
    expect((await store.list(true)).map((k) => k.id)).toEqual([a.id, b.id]);
    expect(await transact()((tx) => store.countActiveAdmins(tx))).toBe(1);
  });

  it("knows its sources, the agents an AGENT key may name, and serialises bootstraps", async () => {
    const env = key({ source: "ENV", role: "ADMIN" });
    await transact()((tx) => store.insert(tx, env));
    const agent = await fixtures.agent(db);
    await transact()(async (tx) => {
      await store.lockBootstrap(tx);
      expect((await store.activeOfSource(tx, "ENV")).map((k) => k.id)).toEqual([env.id]);
      expect(await store.agentExists(tx, agent.id)).toBe(true);
      expect(await store.agentExists(tx, newId())).toBe(false);
    });
    // A rolled-back insert leaves nothing.
    const gone = key();
    await expect(
      transact()(async (tx) => {
        await store.insert(tx, gone);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await store.get(gone.id)).toBeNull();
  });
});
