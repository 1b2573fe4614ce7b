import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { SearchCacheRecord, SearchHistoryRecord } from "../../../src/domain/records.js";
import type { SearchHistoryQuery } from "../../../src/domain/research/search.store.js";
import { backoffSeconds, type BucketSpec } from "../../../src/domain/research/token-bucket.js";
import { keyset } from "../../../src/domain/shared/pagination.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlSearchStore } from "../../../src/infra/db/stores/search.store.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const t0 = new Date("2026-05-01T12:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describeProfiles("SearchStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlSearchStore;

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlSearchStore(db);
  });
  afterAll(() => close?.());

  const page = (key: string, expiresAt: Date, results: unknown[] = [{ position: 1 }]): SearchCacheRecord =>
    Object.assign(new SearchCacheRecord(), {
      key,
      query: "eino",
      region: "wt-wt",
      safeSearch: "MODERATE",
      page: 1,
      results,
      nextPage: { layout: "html", fields: { vqd: "4-1", s: "10" } },
      createdAt: t0,
      expiresAt,
    });

  it("keeps a page until it expires, replaces one under the same key, and drops expired pages", async () => {
    await store.cache(page("k1", at(60_000)), t0);
    const hit = await store.cached("k1", at(59_999));
    expect(hit).toMatchObject({ key: "k1", query: "eino", page: 1, results: [{ position: 1 }] });
    expect(hit?.nextPage).toEqual({ layout: "html", fields: { vqd: "4-1", s: "10" } });
    expect(hit?.expiresAt.getTime()).toBe(at(60_000).getTime());
    expect(await store.cached("k1", at(60_000))).toBeNull();

    await store.cache(page("k1", at(120_000), [{ position: 2 }]), at(1_000));
    expect((await store.cached("k1", at(100_000)))?.results).toEqual([{ position: 2 }]);
    // Writing a page at t0 + 200 s drops the pages expired by then.
    await store.cache(page("k2", at(300_000)), at(200_000));
    expect(await store.cached("k1", t0)).toBeNull();
    expect(await store.cached("k2", at(200_000))).not.toBeNull();
  });

  it("takes one token per call, makes calls past the level wait in turn, and refuses one past the bound taking nothing", async () => {
    const bucket: BucketSpec = { key: "global-1", perMinute: 60, capacity: 2 };
    expect(await store.take([bucket], t0, 1_500)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([bucket], t0, 1_500)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([bucket], t0, 1_500)).toMatchObject({ ok: true, waitMs: 1_000 });
    expect(await store.take([bucket], t0, 1_500)).toEqual({ ok: false, retryAfterMs: 2_000, bucket: "global-1" });
    // The refused call took nothing: half a second later the next one waits 1.5 s, within the bound.
    expect(await store.take([bucket], at(500), 1_500)).toMatchObject({ ok: true, waitMs: 1_500 });
    // A quiet minute refills the bucket to its capacity, no further.
    expect(await store.take([bucket], at(60_000), 0)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([bucket], at(60_000), 0)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([bucket], at(60_000), 0)).toMatchObject({ ok: false });
  });

  it("takes from every bucket or from none", async () => {
    const global: BucketSpec = { key: "global-2", perMinute: 60, capacity: 5 };
    const agent: BucketSpec = { key: "agent:x", perMinute: 60, capacity: 1 };
    expect(await store.take([global, agent], t0, 0)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([global, agent], t0, 0)).toEqual({ ok: false, retryAfterMs: 1_000, bucket: "agent:x" });
    // The agent's refusal left the global bucket with 4 tokens.
    for (let i = 0; i < 4; i++) expect(await store.take([global], t0, 0)).toMatchObject({ ok: true, waitMs: 0 });
    expect(await store.take([global], t0, 0)).toMatchObject({ ok: false });
  });

  it("serves concurrent calls one token each, in turn (the row is locked while a call decides)", async () => {
    const bucket: BucketSpec = { key: "global-3", perMinute: 60, capacity: 1 };
    const results = await Promise.all(Array.from({ length: 12 }, () => store.take([bucket], t0, 60_000)));
    const waits = results.map((r) => (r.ok ? r.waitMs : -1)).sort((a, b) => a - b);
    expect(waits).toEqual(Array.from({ length: 12 }, (_, i) => i * 1_000));
  });

  it("starts a backoff on a throttle, keeps the one in force for throttles during it, doubles it on a repeat, and resets after a success", async () => {
    const next = (now: Date) => (last: { strikes: number }) => {
      const strikes = last.strikes + 1;
      return { strikes, until: new Date(now.getTime() + backoffSeconds(strikes, 60, 3_600) * 1_000) };
    };
    expect(await store.backoff("engine-a")).toBeNull();
    const first = await store.throttled("engine-a", t0, next(t0));
    expect({ until: first.until.getTime(), strikes: first.strikes }).toEqual({
      until: at(60_000).getTime(),
      strikes: 1,
    });
    // Throttled again while it lasts (another process's call in flight): the same backoff, one strike.
    const during = await store.throttled("engine-a", at(10_000), next(at(10_000)));
    expect({ until: during.until.getTime(), strikes: during.strikes }).toEqual({
      until: at(60_000).getTime(),
      strikes: 1,
    });
    const again = await store.throttled("engine-a", at(61_000), next(at(61_000)));
    expect({ until: again.until.getTime(), strikes: again.strikes }).toEqual({
      until: at(181_000).getTime(),
      strikes: 2,
    });
    expect(await store.backoff("engine-a")).toMatchObject({ engine: "engine-a", strikes: 2 });
    await store.clearStrikes("engine-a", at(200_000));
    expect((await store.backoff("engine-a"))?.strikes).toBe(0);
    const fresh = await store.throttled("engine-a", at(300_000), next(at(300_000)));
    expect(fresh.strikes).toBe(1);
  });

  it("records the history and pages it by task, agent and time", async () => {
    const agent = await fixtures.agent(db);
    const task = await fixtures.task(db, { assignedAgentId: agent.id });
    const ws = await fixtures.workspace(db, { taskId: task.id, agentId: agent.id });
    const other = await fixtures.task(db);
    const row = (o: Partial<SearchHistoryRecord>) =>
      Object.assign(new SearchHistoryRecord(), {
        id: newId(),
        taskId: task.id,
        workspaceId: ws.id,
        agentId: agent.id,
        toolCallId: null,
        callerName: "someone",
        callerKeyId: null,
        query: "eino",
        region: "wt-wt",
        safeSearch: "MODERATE",
        page: 1,
        resultCount: 10,
        cacheHit: false,
        engineRequests: 1,
        latencyMs: 12,
        outcome: "OK",
        errorMessage: null,
        createdAt: t0,
        ...o,
      });
    const rows = [
      row({ createdAt: at(0) }),
      row({ createdAt: at(1_000), cacheHit: true, engineRequests: 0 }),
      row({ createdAt: at(2_000), outcome: "THROTTLED", errorMessage: "slow down", resultCount: 0 }),
      row({ createdAt: at(3_000), taskId: other.id, agentId: newId() }),
    ];
    for (const r of rows) await store.record(r);
    const all: SearchHistoryQuery = { taskId: task.id, agentId: null, from: null, to: null, onlyAgent: null };
    expect(await store.count(all)).toBe(3);
    const newest = await store.page(all, keyset({ first: 2 }));
    expect(newest.map((r) => r.id)).toEqual([rows[2]!.id, rows[1]!.id, rows[0]!.id]);
    expect(newest[0]).toEqual(rows[2]);
    expect(newest[1]?.cacheHit).toBe(true);
    const ranged = { ...all, from: at(1_000), to: at(2_000) };
    expect((await store.page(ranged, keyset({}))).map((r) => r.id)).toEqual([rows[1]!.id]);
    expect(await store.count({ ...all, taskId: null, onlyAgent: agent.id })).toBe(3);
    expect(await store.count({ ...all, taskId: null, agentId: agent.id, onlyAgent: newId() })).toBe(0);
  });
});
