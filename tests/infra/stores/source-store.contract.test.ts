import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { CitationRecord, SourceRecord } from "../../../src/domain/records.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlSourceStore } from "../../../src/infra/db/stores/source.store.js";
import { transactor } from "../../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

describeProfiles("SourceStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlSourceStore;
  const transact = () => transactor({ db, pubsub: new MemoryPubSub(), logger });

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlSourceStore(db);
  });
  afterAll(() => close?.());

  const source = (taskId: string, o: Partial<SourceRecord> = {}): SourceRecord =>
    Object.assign(new SourceRecord(), {
      id: newId(),
      taskId,
      workspaceId: newId(),
      toolCallId: null,
      url: "https://example.org/a",
      finalUrl: "https://example.org/a/",
      title: "A page",
      authors: ["Ada Lovelace", "Lovelace, Ada"],
      siteName: null,
      publishedAt: new Date("2024-03-02T10:00:00.123Z"),
      accessedAt: new Date("2026-12-06T09:00:00.456Z"),
      contentType: "text/html",
      contentHash: "a".repeat(64),
      textPath: "research/sources/01-a-page.md",
      createdAt: new Date("2026-12-06T09:00:00.456Z"),
      ...o,
    });
  const citation = (taskId: string, researchId: string, o: Partial<CitationRecord> = {}): CitationRecord =>
    Object.assign(new CitationRecord(), {
      id: newId(),
      taskId,
      researchId,
      number: 1,
      sourceId: null,
      claim: "A claim",
      quote: "the quoted words",
      verified: false,
      problem: "source 1 does not exist",
      createdAt: new Date(),
      ...o,
    });

  it("stores a task's sources together and reads them back exactly, oldest first", async () => {
    const task = await fixtures.task(db);
    const other = await fixtures.task(db);
    const rows = [source(task.id), source(task.id, { siteName: "Site", publishedAt: null, authors: [] })];
    await transact()((tx) => store.insertSources(tx, rows));
    await transact()((tx) => store.insertSources(tx, [source(other.id)]));
    expect(await store.sourcesOfTask(task.id, 100)).toEqual(rows);
    expect(await store.sourcesOfTask(task.id, 1)).toEqual(rows.slice(0, 1));
    expect(await store.countSources(task.id)).toBe(2);
    expect((await store.sourcesByIds([rows[1]!.id, newId()])).map((s) => s.id)).toEqual([rows[1]!.id]);
  });

  it("stores nothing of a transaction that fails", async () => {
    const task = await fixtures.task(db);
    const row = source(task.id);
    await expect(
      transact()(async (tx) => {
        await store.insertSources(tx, [row]);
        throw new Error("the file could not be written");
      }),
    ).rejects.toThrow("the file could not be written");
    expect(await store.countSources(task.id)).toBe(0);
  });

  it("keeps citations by task and research run, with or without a source", async () => {
    const task = await fixtures.task(db);
    const src = source(task.id);
    await transact()((tx) => store.insertSources(tx, [src]));
    const [runA, runB] = [newId(), newId()];
    const a = [
      citation(task.id, runA, { sourceId: src.id, verified: true, problem: null }),
      citation(task.id, runA, { number: 9 }),
    ];
    const b = [citation(task.id, runB, { sourceId: src.id, number: 1 })];
    await transact()((tx) => store.insertCitations(tx, a));
    await transact()((tx) => store.insertCitations(tx, b));
    expect(await store.citationsOfTask(task.id, runA, 100)).toEqual(a);
    expect(await store.citationsOfTask(task.id, null, 100)).toEqual([...a, ...b]);
    expect(await store.citationsOfTask(task.id, null, 2)).toEqual(a);
  });
});
