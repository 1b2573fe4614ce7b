/**
 * Two API processes on one PostgreSQL database (what the cluster profile runs): authentication
 * caches and live feeds stay correct across processes. Skipped without TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateApiKeyDocument,
  CreateTaskDocument,
  MeDocument,
  RevokeApiKeyDocument,
  TaskEventsDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { pgBaseUrl } from "../helpers/pg.js";
import { startServerPair, type ServerPair } from "../helpers/server-pair.js";
import { collect, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!pgBaseUrl)("two API processes on one PostgreSQL [postgres]", () => {
  let a: TestServer;
  let b: TestServer;
  let pair: ServerPair | undefined;

  beforeAll(async () => {
    pair = await startServerPair();
    ({ a, b } = pair);
  });
  afterAll(() => pair?.stop());

  it("a key revoked through one process stops working in the other at once, although it was cached there", async () => {
    const created = await a.ok(CreateApiKeyDocument, { input: { name: "cached elsewhere", role: "VIEWER" } });
    const { key } = created.createApiKey;
    // B authenticates the key (and caches it) and holds a socket with it.
    expect((await b.gql(MeDocument, {}, key)).status).toBe(200);
    const task = (await a.ok(CreateTaskDocument, { input: { title: "watched", complexity: 2 } })).createTask.id;
    const events = collect(b.ws(key), TaskEventsDocument, { taskId: task });
    await events.waitFor(1);

    await a.ok(RevokeApiKeyDocument, { id: created.createApiKey.apiKey.id });

    // The revocation travels by NOTIFY: allow it the time of one round trip, then B must refuse.
    let code: unknown = null;
    for (let i = 0; i < 50 && code !== "UNAUTHENTICATED"; i++) {
      code = (await b.gql(MeDocument, {}, key)).errors?.[0]?.extensions?.code;
      if (code !== "UNAUTHENTICATED") await sleep(20);
    }
    expect(code).toBe("UNAUTHENTICATED");
    await Promise.race([events.ended, sleep(5_000)]);
    expect(events.errors).toHaveLength(1);
    expect((events.errors[0] as { code?: number }).code).toBe(4403);
  });

  it("a subscriber on one process receives, in order and without gaps, every event written through the other", async () => {
    const task = (await a.ok(CreateTaskDocument, { input: { title: "across", complexity: 2 } })).createTask.id;
    const onB = collect(b.ws(), TaskEventsDocument, { taskId: task });
    const onA = collect(a.ws(), TaskEventsDocument, { taskId: task });
    await Promise.all([onB.waitFor(1), onA.waitFor(1)]);
    for (const status of ["FAILED", "PENDING", "FAILED", "PENDING", "CANCELLED"] as const) {
      await a.ok(UpdateTaskStatusDocument, { id: task, status });
    }
    const seqsB = (await onB.waitFor(6)).map((e) => e.taskEvents.seq);
    const seqsA = (await onA.waitFor(6)).map((e) => e.taskEvents.seq);
    expect(seqsB).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqsA).toEqual(seqsB);
    onA.stop();
    onB.stop();
  });
});
