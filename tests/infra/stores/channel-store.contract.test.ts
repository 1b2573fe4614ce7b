import { afterAll, beforeAll, expect, it } from "vitest";
import { taskChannelRow } from "../../../src/domain/channels/task-channel.js";
import { newId } from "../../../src/domain/ids.js";
import { ApiKeyRecord, ChannelMessageRecord, ChannelRecord } from "../../../src/domain/records.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlChannelStore } from "../../../src/infra/db/stores/channel.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

describeProfiles("ChannelStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlChannelStore;

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlChannelStore(db);
  });
  afterAll(() => close?.());

  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });
  const named = (name: string) =>
    Object.assign(new ChannelRecord(), {
      id: newId(),
      kind: "NAMED",
      name,
      description: "",
      taskId: null,
      messageSeq: 0,
      createdByKeyId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });

  it("makes an older task's channel once, however many processes ask at once", async () => {
    const task = await fixtures.task(db, { title: "older" });
    const made = await Promise.all(
      Array.from({ length: 5 }, () => store.ensureTaskChannel(taskChannelRow(task, new Date()))),
    );
    expect(new Set(made.map((c) => c.id)).size).toBe(1);
    expect(made[0]).toMatchObject({ kind: "TASK", name: `task-${task.id}`, taskId: task.id, messageSeq: 0 });
    expect((await store.byTask(task.id))?.id).toBe(made[0]!.id);
  });

  it("refuses a taken name; numbers concurrent messages 1, 2, 3 … with no gap", async () => {
    const channel = named(`contract-${newId()}`);
    expect(await transact()((tx) => store.insertChannel(tx, channel))).toBe(true);
    expect(await transact()((tx) => store.insertChannel(tx, { ...channel, id: newId() }))).toBe(false);
    const post = (i: number) =>
      transact()(async (tx) => {
        const seq = await store.nextSeq(tx, channel.id);
        await store.insertMessage(
          tx,
          Object.assign(new ChannelMessageRecord(), {
            id: newId(),
            channelId: channel.id,
            seq,
            authorName: "writer",
            authorAgentId: null,
            authorKeyId: null,
            text: `message ${i}`,
            mentions: [{ name: "x", agentId: null, apiKeyId: null }],
            replyToId: null,
            createdAt: new Date(),
          }),
        );
        return seq;
      });
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i)));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.maxSeq(channel.id)).toBe(20);
    const read = await store.readAfter(channel.id, 5, 10);
    expect(read.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(read[0]!.mentions).toEqual([{ name: "x", agentId: null, apiKeyId: null }]);
    expect((await store.message(read[0]!.id))?.channelId).toBe(channel.id);
  });

  it("finds the agents of a whole task tree from any of its tasks", async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => fixtures.agent(db)));
    const root = await fixtures.task(db, { assignedAgentId: a!.id, status: "BUILD" });
    const child = await fixtures.task(db, { parentId: root.id, assignedAgentId: b!.id, status: "BUILD" });
    const grandchild = await fixtures.task(db, { parentId: child.id, assignedAgentId: c!.id, status: "BUILD" });
    await fixtures.task(db, { parentId: root.id });
    await fixtures.task(db, { assignedAgentId: d!.id, status: "BUILD" });
    const all = [a!.id, b!.id, c!.id].sort();
    expect((await store.treeAgentIds(grandchild.id)).sort()).toEqual(all);
    expect((await store.treeAgentIds(root.id)).sort()).toEqual(all);
  });

  it("knows agents and people's live keys by name or id, not AGENT or revoked keys", async () => {
    const agent = await fixtures.agent(db, { name: `ada-${newId().slice(-6)}` });
    const key = (name: string, role: ApiKeyRecord["role"], revokedAt: Date | null = null) =>
      db.fork().insert(ApiKeyRecord, {
        id: newId(),
        name,
        role,
        keyHash: newId().replace(/-/g, "").padEnd(64, "0"),
        prefix: "ak_x",
        agentId: role === "AGENT" ? agent.id : null,
        source: "API",
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt,
      } as ApiKeyRecord);
    const person = `pat-${newId().slice(-6)}`;
    const personId = await key(person, "VIEWER");
    await key(person, "AGENT");
    await key(person, "OPERATOR", new Date());
    const found = await store.participantsNamed([agent.name, person, "nobody"]);
    expect(found.map((p) => [p.name, p.agentId, p.apiKeyId]).sort()).toEqual(
      [
        [agent.name, agent.id, null],
        [person, null, personId],
      ].sort(),
    );
    expect((await store.participantsWithIds([agent.id, String(personId)])).length).toBe(2);
  });
});
