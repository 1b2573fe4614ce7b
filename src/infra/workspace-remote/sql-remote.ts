import { SpanKind } from "@opentelemetry/api";
import { DomainError } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import { WorkspaceChunkRecord, WorkspaceRequestRecord } from "../../domain/records.js";
import type { Logger } from "../../domain/shared/deps.js";
import type { PubSub } from "../../domain/shared/pubsub.js";
import {
  decodeFailure,
  decodeJson,
  encodeFailure,
  encodeJson,
  REMOTE_CHUNK_BYTES,
  REMOTE_MAX_JSON_BYTES,
  workspaceUnavailable,
  type RemoteHandler,
  type RemoteReply,
  type RemoteRequestOptions,
  type WorkspaceRemote,
} from "../../domain/workspaces/workspace-router.js";
import { currentTraceparent, traced, traceparentOf } from "../../telemetry/tracing.js";
import type { Database } from "../db/orm.js";

/** How long a request may wait for its holder to take it before WORKSPACE_UNAVAILABLE. */
export const REMOTE_CLAIM_TIMEOUT_MS = 5_000;
/** How often both sides look at the rows when no notification came (a lost NOTIFY costs this much). */
export const REMOTE_POLL_MS = 1_000;
/** Requests a requester left behind (it died) are deleted by their holder after this long. */
export const REMOTE_STALE_AFTER_MS = 60 * 60 * 1000;
/**
 * Reply chunks written and not yet taken, at most: a holder waits for its requester (a slow
 * download's reader) rather than fill the database with the rest of a big file.
 */
export const REMOTE_WINDOW_CHUNKS = 8;
/** A holder waiting for room gives up on a requester that took nothing for this long. */
export const REMOTE_STALL_MS = 120_000;

export interface SqlWorkspaceRemoteOptions {
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  /** Whether the holder's heartbeat is recent (a holder that died mid-request is given up on). */
  holderAlive: (holderId: string) => Promise<boolean>;
  claimTimeoutMs?: number;
  pollMs?: number;
}

/** Pieces of at most REMOTE_CHUNK_BYTES, whatever size the source yields. */
async function* rechunk(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const part of source) {
    pending.push(part);
    size += part.length;
    while (size >= REMOTE_CHUNK_BYTES) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, REMOTE_CHUNK_BYTES);
      pending = [all.subarray(REMOTE_CHUNK_BYTES)];
      size = all.length - REMOTE_CHUNK_BYTES;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}

/**
 * Wakes its owner on a notification about one request (the holder's WORKSPACE_REPLY, or the
 * requester's WORKSPACE_TAKEN), or after `pollMs`; rejects on abort.
 */
class ReplyWaiter {
  private poked = false;
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    pubsub: PubSub,
    requestId: string,
    private readonly pollMs: number,
    topic: "WORKSPACE_REPLY" | "WORKSPACE_TAKEN" = "WORKSPACE_REPLY",
  ) {
    this.unsubscribe = pubsub.subscribe(topic, (p) => {
      if (p.requestId !== requestId) return;
      this.poked = true;
      this.wake?.();
    });
  }

  next(signal?: AbortSignal): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wake = undefined;
        this.poked = false;
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.wake = undefined;
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake = done;
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    this.unsubscribe();
  }
}

/**
 * The workspace transport over the shared database: a request row (and its body's chunks), a
 * notification to the holder, the holder's answer in the row (and reply chunks), a notification
 * back. Works on any database the process shares with its peers; the composition root uses it
 * in the cluster profile only.
 */
export class SqlWorkspaceRemote implements WorkspaceRemote {
  private readonly claimTimeoutMs: number;
  private readonly pollMs: number;

  constructor(private readonly o: SqlWorkspaceRemoteOptions) {
    this.claimTimeoutMs = o.claimTimeoutMs ?? REMOTE_CLAIM_TIMEOUT_MS;
    this.pollMs = o.pollMs ?? REMOTE_POLL_MS;
  }

  private em() {
    return this.o.db.fork();
  }

  /**
   * In a span `workspace <op>` (client); the holder's span of the work is its child, and the
   * work's own spans (the holder's `tool <id>`) are that one's.
   */
  request(holderId: string, op: string, input: unknown, opts: RemoteRequestOptions = {}): Promise<RemoteReply> {
    return traced(`workspace ${op}`, { kind: SpanKind.CLIENT }, () => this.send(holderId, op, input, opts));
  }

  private async send(holderId: string, op: string, input: unknown, opts: RemoteRequestOptions): Promise<RemoteReply> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const id = newId();
    const inputText = encodeJson(input);
    if (Buffer.byteLength(inputText) > REMOTE_MAX_JSON_BYTES) {
      throw new DomainError("LIMIT_EXCEEDED", `A workspace request may carry at most ${REMOTE_MAX_JSON_BYTES} bytes`);
    }
    const waiter = new ReplyWaiter(this.o.pubsub, id, this.pollMs);
    let handedOver = false;
    try {
      let inChunks = 0;
      if (opts.body) {
        for await (const data of rechunk(opts.body)) {
          signal?.throwIfAborted();
          await this.em().insert(WorkspaceChunkRecord, { requestId: id, direction: "IN", seq: inChunks++, data });
        }
      }
      await this.em().insert(WorkspaceRequestRecord, {
        id,
        holderId,
        op,
        state: "PENDING",
        input: inputText,
        inChunks,
        result: null,
        outChunks: null,
        traceparent: currentTraceparent() ?? null,
        createdAt: new Date(),
      });
      await this.o.pubsub.publish([{ topic: "WORKSPACE_REQUEST", payload: { holderId, requestId: id } }]);
      const reply = await this.awaitAnswer(id, holderId, waiter, signal);
      if (!reply.chunked) return { result: reply.value, chunks: null };
      handedOver = true;
      return { result: reply.value, chunks: this.readChunks(id, holderId, waiter, signal) };
    } catch (err) {
      if (signal?.aborted) await this.cancel(id);
      throw err;
    } finally {
      if (!handedOver) {
        waiter.close();
        await this.cleanUp(id);
      }
    }
  }

  private async awaitAnswer(
    id: string,
    holderId: string,
    waiter: ReplyWaiter,
    signal: AbortSignal | undefined,
  ): Promise<{ value: unknown; chunked: boolean }> {
    const started = Date.now();
    for (;;) {
      const row = await this.em().findOne(WorkspaceRequestRecord, { id });
      if (!row) throw workspaceUnavailable("its request disappeared");
      if (row.state === "ANSWERED") return decodeJson(row.result ?? "null") as { value: unknown; chunked: boolean };
      if (row.state === "FAILED") throw decodeFailure(row.result ?? "{}");
      if (row.state === "PENDING" && Date.now() - started > this.claimTimeoutMs) {
        const n = await this.em().nativeUpdate(
          WorkspaceRequestRecord,
          { id, state: "PENDING" },
          { state: "ABANDONED" },
        );
        if (n > 0) throw workspaceUnavailable(`it did not take the request within ${this.claimTimeoutMs} ms`);
        continue;
      }
      if (row.state === "RUNNING" && !(await this.o.holderAlive(holderId))) {
        await this.em().nativeUpdate(WorkspaceRequestRecord, { id, state: "RUNNING" }, { state: "ABANDONED" });
        throw workspaceUnavailable("it went silent while working on the request");
      }
      await waiter.next(signal);
    }
  }

  private async *readChunks(
    id: string,
    holderId: string,
    waiter: ReplyWaiter,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Buffer> {
    let next = 0;
    let finished = false;
    try {
      for (;;) {
        const rows = await this.em().find(
          WorkspaceChunkRecord,
          { requestId: id, direction: "OUT", seq: { $gte: next } },
          { orderBy: { seq: "asc" }, limit: 4 },
        );
        for (const r of rows) {
          if (r.seq !== next) break;
          next++;
          yield Buffer.from(r.data);
        }
        if (rows.length > 0) {
          await this.em().nativeDelete(WorkspaceChunkRecord, { requestId: id, direction: "OUT", seq: { $lt: next } });
          await this.o.pubsub.publish([{ topic: "WORKSPACE_TAKEN", payload: { requestId: id } }]);
          continue;
        }
        const row = await this.em().findOne(WorkspaceRequestRecord, { id });
        if (!row) throw workspaceUnavailable("its request disappeared");
        if (row.outChunks !== null && next >= row.outChunks) {
          finished = true;
          return;
        }
        if (row.state === "FAILED") throw decodeFailure(row.result ?? "{}");
        if (!(await this.o.holderAlive(holderId))) throw workspaceUnavailable("it went silent while sending");
        await waiter.next(signal);
      }
    } finally {
      waiter.close();
      if (!finished) await this.cancel(id);
      await this.cleanUp(id);
    }
  }

  private async cancel(id: string): Promise<void> {
    await this.em()
      .nativeUpdate(
        WorkspaceRequestRecord,
        { id, state: { $in: ["PENDING", "RUNNING", "ANSWERED"] } },
        { state: "CANCELLED" },
      )
      .catch(() => 0);
    await this.o.pubsub.publish([{ topic: "WORKSPACE_CANCEL", payload: { requestId: id } }]).catch(() => {});
  }

  private async cleanUp(id: string): Promise<void> {
    try {
      await this.em().nativeDelete(WorkspaceChunkRecord, { requestId: id });
      await this.em().nativeDelete(WorkspaceRequestRecord, { id });
    } catch (err) {
      this.o.logger.warn({ err, requestId: id }, "could not delete a finished workspace request");
    }
  }

  async serve(holderId: string, handlers: ReadonlyMap<string, RemoteHandler>): Promise<() => Promise<void>> {
    const running = new Map<string, { ac: AbortController; done: Promise<void> }>();
    let stopped = false;
    const claim = (requestId: string) => {
      if (stopped || running.has(requestId)) return;
      const ac = new AbortController();
      const entry = { ac, done: Promise.resolve() };
      running.set(requestId, entry);
      entry.done = this.claimAndRun(requestId, handlers, ac)
        .catch((err: unknown) => this.o.logger.warn({ err, requestId }, "a workspace request failed"))
        .finally(() => running.delete(requestId));
    };
    const offRequest = this.o.pubsub.subscribe("WORKSPACE_REQUEST", (p) => {
      if (p.holderId === holderId) claim(p.requestId);
    });
    const offCancel = this.o.pubsub.subscribe("WORKSPACE_CANCEL", (p) => running.get(p.requestId)?.ac.abort());
    let polling = false;
    let polls = 0;
    const poll = async () => {
      if (polling || stopped) return;
      polling = true;
      try {
        const waiting = await this.em().find(
          WorkspaceRequestRecord,
          { holderId, state: "PENDING" },
          { fields: ["id"], limit: 100 },
        );
        for (const r of waiting) claim(r.id);
        if (++polls % 60 === 1) await this.dropStale(holderId);
      } catch (err) {
        this.o.logger.warn({ err }, "could not look for workspace requests");
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void poll(), this.pollMs);
    timer.unref();
    void poll();
    return async () => {
      stopped = true;
      clearInterval(timer);
      offRequest();
      offCancel();
      for (const r of running.values()) r.ac.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    };
  }

  private async claimAndRun(
    id: string,
    handlers: ReadonlyMap<string, RemoteHandler>,
    ac: AbortController,
  ): Promise<void> {
    const taken = await this.em().nativeUpdate(WorkspaceRequestRecord, { id, state: "PENDING" }, { state: "RUNNING" });
    if (taken === 0) return;
    const row = await this.em().findOneOrFail(WorkspaceRequestRecord, { id });
    const publish = () => this.o.pubsub.publish([{ topic: "WORKSPACE_REPLY", payload: { requestId: id } }]);
    try {
      const handler = handlers.get(row.op);
      if (!handler) throw new Error(`no handler for workspace operation ${row.op}`);
      const parent = traceparentOf(row.traceparent);
      const reply = await traced(
        `workspace ${row.op}`,
        { kind: SpanKind.SERVER, ...(parent ? { remoteParent: parent } : { root: true }) },
        () => handler(decodeJson(row.input), { signal: ac.signal, body: this.body(id, row.inChunks) }),
      );
      const text = encodeJson({ value: reply.result, chunked: reply.chunks !== undefined });
      if (Buffer.byteLength(text) > REMOTE_MAX_JSON_BYTES) {
        throw new DomainError("LIMIT_EXCEEDED", `A workspace reply may carry at most ${REMOTE_MAX_JSON_BYTES} bytes`);
      }
      const answered = await this.em().nativeUpdate(
        WorkspaceRequestRecord,
        { id, state: "RUNNING" },
        { state: "ANSWERED", result: text },
      );
      await publish();
      if (!reply.chunks) return;
      if (answered === 0) {
        // Cancelled meanwhile: the source (an open file's stream) is let go unread.
        await reply.chunks[Symbol.asyncIterator]().return?.();
        return;
      }
      let seq = 0;
      const taken = new ReplyWaiter(this.o.pubsub, id, this.pollMs, "WORKSPACE_TAKEN");
      try {
        for await (const data of rechunk(reply.chunks)) {
          if (ac.signal.aborted) return;
          // The first chunks always fit: the count is asked only once the window could be full.
          if (seq >= REMOTE_WINDOW_CHUNKS && !(await this.roomFor(id, taken, ac.signal))) return;
          await this.em().insert(WorkspaceChunkRecord, { requestId: id, direction: "OUT", seq: seq++, data });
          await publish();
        }
      } finally {
        taken.close();
      }
      await this.em().nativeUpdate(WorkspaceRequestRecord, { id }, { outChunks: seq });
      await publish();
    } catch (err) {
      if (!(err instanceof DomainError)) this.o.logger.error({ err, op: row.op }, "workspace operation failed");
      await this.em().nativeUpdate(
        WorkspaceRequestRecord,
        { id, state: { $in: ["RUNNING", "ANSWERED"] } },
        { state: "FAILED", result: encodeFailure(err) },
      );
      await publish();
    }
  }

  /**
   * Waits until fewer than REMOTE_WINDOW_CHUNKS reply chunks of `id` wait for its requester.
   * False when the request was cancelled meanwhile; throws WORKSPACE_UNAVAILABLE when the
   * requester took nothing for REMOTE_STALL_MS (it died, or its reader did).
   */
  private async roomFor(id: string, taken: ReplyWaiter, signal: AbortSignal): Promise<boolean> {
    let waiting = Number.POSITIVE_INFINITY;
    let since = Date.now();
    for (;;) {
      if (signal.aborted) return false;
      const unread = await this.em().count(WorkspaceChunkRecord, { requestId: id, direction: "OUT" });
      if (unread < REMOTE_WINDOW_CHUNKS) return true;
      if (unread < waiting) since = Date.now();
      waiting = unread;
      if (Date.now() - since > REMOTE_STALL_MS) throw workspaceUnavailable("its requester stopped reading");
      await taken.next(signal).catch(() => undefined);
    }
  }

  /** Requests of this holder older than REMOTE_STALE_AFTER_MS, and their chunks: their requester is gone. */
  private async dropStale(holderId: string): Promise<void> {
    const before = new Date(Date.now() - REMOTE_STALE_AFTER_MS);
    const stale = await this.em().find(
      WorkspaceRequestRecord,
      { holderId, createdAt: { $lt: before } },
      { fields: ["id"], limit: 1000 },
    );
    if (stale.length === 0) return;
    const ids = stale.map((r) => r.id);
    await this.em().nativeDelete(WorkspaceChunkRecord, { requestId: { $in: ids } });
    await this.em().nativeDelete(WorkspaceRequestRecord, { id: { $in: ids } });
  }

  /** The request's body, chunk by chunk, read as it is consumed. */
  private async *body(id: string, count: number): AsyncGenerator<Buffer> {
    for (let seq = 0; seq < count; seq++) {
      const row = await this.em().findOne(WorkspaceChunkRecord, { requestId: id, direction: "IN", seq });
      if (!row) throw workspaceUnavailable("a piece of the request's body is missing");
      yield Buffer.from(row.data);
    }
  }
}
