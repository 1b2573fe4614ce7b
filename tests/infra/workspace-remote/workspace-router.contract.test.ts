/**
 * The workspace router and its transport over the shared database, on both profiles: two holders
 * in this process stand for two machines (the database and the bus are what they share).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { DomainError, conflict } from "../../../src/domain/errors.js";
import { WorkspaceChunkRecord, WorkspaceRecord, WorkspaceRequestRecord } from "../../../src/domain/records.js";
import { WorkspaceHolderService } from "../../../src/domain/workspaces/workspace-holders.js";
import { WorkspaceRouter, type RemoteHandler } from "../../../src/domain/workspaces/workspace-router.js";
import { domainDeps } from "../../../src/app.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlWorkspaceHolderStore } from "../../../src/infra/db/stores/workspace-holder.store.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";
import { REMOTE_WINDOW_CHUNKS, SqlWorkspaceRemote } from "../../../src/infra/workspace-remote/sql-remote.js";
import { REMOTE_CHUNK_BYTES } from "../../../src/domain/workspaces/workspace-router.js";
import { sleep, waitFor } from "../../helpers/runtime.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

async function* bytes(total: number, seed = 7): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total;) {
    const n = Math.min(100_000, total - sent);
    yield Buffer.alloc(n, (sent / 100_000 + seed) % 251);
    sent += n;
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describeProfiles("WorkspaceRouter over the shared database", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  const pubsub = new MemoryPubSub();
  const alive = new Set(["holder-a", "holder-b"]);
  let remote: SqlWorkspaceRemote;
  let stopA: () => Promise<void>;
  let seenAbort: Promise<void>;
  let markAborted: () => void;
  /** Chunks the "many" handler's source gave so far. */
  let produced = 0;

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    remote = new SqlWorkspaceRemote({
      db,
      pubsub,
      logger,
      holderAlive: async (id) => alive.has(id),
      claimTimeoutMs: 400,
      pollMs: 100,
    });
    seenAbort = new Promise((r) => (markAborted = r));
    const handlers = new Map<string, RemoteHandler>([
      ["echo", async (input) => ({ result: input })],
      [
        "many",
        async (input) => ({
          result: null,
          chunks: (async function* () {
            for (produced = 0; produced < (input as number);) {
              produced++;
              yield Buffer.alloc(REMOTE_CHUNK_BYTES, produced);
            }
          })(),
        }),
      ],
      [
        "reverse",
        async (_input, { body }) => {
          const all = await collect(body);
          return { result: { size: all.length }, chunks: bytes(all.length, 11) };
        },
      ],
      [
        "conflict",
        async () => {
          throw conflict("the file changed", "expectedVersion");
        },
      ],
      [
        "crash",
        async () => {
          throw new Error("secret detail /etc/passwd");
        },
      ],
      [
        "wait",
        async (_input, { signal }) => {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          markAborted();
          return { result: null };
        },
      ],
    ]);
    stopA = await remote.serve("holder-a", handlers);
  });
  afterAll(async () => {
    await stopA?.();
    await close?.();
  });

  it("carries JSON with dates to the holder and back", async () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const reply = await remote.request("holder-a", "echo", { at, list: [1, "two"] });
    expect(reply.chunks).toBeNull();
    expect(reply.result).toEqual({ at, list: [1, "two"] });
    expect((reply.result as { at: Date }).at).toBeInstanceOf(Date);
  });

  it("streams a body in and chunks out, and leaves no rows behind", async () => {
    const size = 2_600_000; // three chunks each way (REMOTE_CHUNK_BYTES is 1 MiB)
    const reply = await remote.request("holder-a", "reverse", null, { body: bytes(size) });
    expect(reply.result).toEqual({ size });
    const got = await collect(reply.chunks!);
    expect(got.equals(await collect(bytes(size, 11)))).toBe(true);
    expect(await db.fork().count(WorkspaceRequestRecord, {})).toBe(0);
    expect(await db.fork().count(WorkspaceChunkRecord, {})).toBe(0);
  });

  it("writes reply chunks only as fast as the requester takes them", async () => {
    const total = 3 * REMOTE_WINDOW_CHUNKS;
    const reply = await remote.request("holder-a", "many", total);
    const it = reply.chunks![Symbol.asyncIterator]();
    // Ahead of the reader by its window at most (the rows written and not yet deleted), plus the
    // chunk its source has ready.
    const outRows = () => db.fork().count(WorkspaceChunkRecord, { direction: "OUT" });
    let most = 0;
    for (let consumed = 1; consumed <= total; consumed++) {
      const next = await it.next();
      expect(next.done).toBe(false);
      expect(next.value![0]).toBe(consumed % 256);
      // The holder fills what room it has before the next read.
      await waitFor(
        async () => produced === total || (await outRows()) >= REMOTE_WINDOW_CHUNKS,
        "the holder to fill its window",
      );
      if (consumed === 1) {
        // A holder that does not wait would write on meanwhile (a slow machine can only make
        // this check weaker, never fail it): five of its polls, the reader reading nothing.
        await sleep(500);
      }
      most = Math.max(most, produced - consumed);
      expect(produced - consumed).toBeLessThanOrEqual(REMOTE_WINDOW_CHUNKS + 1);
    }
    expect((await it.next()).done).toBe(true);
    expect(most).toBeGreaterThanOrEqual(REMOTE_WINDOW_CHUNKS);
    expect(await db.fork().count(WorkspaceChunkRecord, {})).toBe(0);
  });

  it("brings a domain error back with its code and fields; other failures stay on the holder", async () => {
    const err = await remote.request("holder-a", "conflict", null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: "CONFLICT", details: { field: "expectedVersion" } });
    const crash = (await remote.request("holder-a", "crash", null).catch((e: unknown) => e)) as Error;
    expect(crash).not.toBeInstanceOf(DomainError);
    expect(crash.message).not.toContain("passwd");
  });

  it("answers WORKSPACE_UNAVAILABLE when the holder does not take the request", async () => {
    const err = await remote.request("holder-b", "echo", 1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "WORKSPACE_UNAVAILABLE" });
  });

  it("cancels the holder's work when the requester aborts", async () => {
    const ac = new AbortController();
    const pending = remote.request("holder-a", "wait", null, { signal: ac.signal });
    const settled = pending.catch((e: unknown) => e);
    // The holder has taken it once the row is RUNNING.
    await expect
      .poll(async () => (await db.fork().findOne(WorkspaceRequestRecord, { op: "wait" }))?.state, {
        timeout: 30_000,
        interval: 20,
      })
      .toBe("RUNNING");
    ac.abort(new Error("caller gave up"));
    expect(((await settled) as Error).message).toBe("caller gave up");
    await seenAbort;
  });

  it("gives up on a holder that goes silent while it works", async () => {
    const stopB = await remote.serve("holder-b", new Map([["hang", async () => new Promise<never>(() => {})]]));
    const pending = remote.request("holder-b", "hang", null).catch((e: unknown) => e);
    await expect
      .poll(async () => (await db.fork().findOne(WorkspaceRequestRecord, { op: "hang" }))?.state, {
        timeout: 30_000,
        interval: 20,
      })
      .toBe("RUNNING");
    alive.delete("holder-b");
    expect(await pending).toMatchObject({ code: "WORKSPACE_UNAVAILABLE" });
    alive.add("holder-b");
    void stopB();
  });

  it("routes only what another holder has, and refuses a LOST workspace", async () => {
    const router = new WorkspaceRouter({ shared: false, remote });
    router.becomeHolder("holder-b");
    expect(router.isLocal({ holderId: "holder-b" })).toBe(true);
    expect(router.isLocal({ holderId: null })).toBe(true);
    expect(router.isLocal({ holderId: "holder-a" })).toBe(false);
    const reply = await router.forward({ id: "w", holderId: "holder-a", status: "READY" }, "echo", "hi");
    expect(reply.result).toBe("hi");
    expect(() => router.forward({ id: "w", holderId: "holder-a", status: "LOST" }, "echo", 1)).toThrow(
      expect.objectContaining({ code: "WORKSPACE_LOST" }),
    );
    expect(new WorkspaceRouter({ shared: true, remote }).isLocal({ holderId: "holder-a" })).toBe(true);
    expect(new WorkspaceRouter({ shared: false, remote: null }).isLocal({ holderId: "holder-a" })).toBe(true);
  });

  it("marks a silent holder's READY workspaces LOST with an event, and READY again when it is back", async () => {
    let clock = new Date("2026-03-01T10:00:00Z");
    const deps = { ...domainDeps(db, pubsub, logger), now: () => clock };
    const holders = new WorkspaceHolderService(deps, new SqlWorkspaceHolderStore(db));
    const agent = await fixtures.agent(db);
    const task = await fixtures.task(db, { assignedAgentId: agent.id, status: "BUILD" });
    const ws = await fixtures.workspace(db, {
      taskId: task.id,
      agentId: agent.id,
      status: "READY",
      holderId: "h-gone",
    });
    await holders.beat("h-gone", "host:1", true);
    await holders.beat("h-here", "host:2", true);
    expect(await holders.sweepLost(30_000)).toBe(0);
    clock = new Date(clock.getTime() + 31_000);
    await holders.beat("h-here", "host:2");
    expect(await holders.alive("h-gone", 30_000)).toBe(false);
    expect(await holders.sweepLost(30_000)).toBe(1);
    expect(await holders.sweepLost(30_000)).toBe(0);
    const events = await deps.events.read(task.id, 0, 10);
    expect(events.map((e) => e.type)).toEqual(["ERROR"]);
    expect(events[0]?.data).toMatchObject({ workspaceId: ws.id, code: "WORKSPACE_LOST" });
    expect(await holders.reclaim("h-gone", async () => false)).toBe(0);
    expect(await holders.reclaim("h-gone", async (path) => path === ws.path)).toBe(1);
    const row = await db.fork().findOneOrFail(WorkspaceRecord, { id: ws.id });
    expect(row).toMatchObject({ status: "READY" });
  });
});
