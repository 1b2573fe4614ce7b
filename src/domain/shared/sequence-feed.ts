import { Channel } from "./channel.js";
import type { Logger } from "./deps.js";

/** A row of an append-only log numbered 1, 2, 3 … per stream (task events, command output). */
export interface Sequenced {
  seq: number;
}

export interface SequenceSource<T extends Sequenced> {
  /** Rows of the stream with seq > afterSeq, ascending, at most `limit`. */
  read(streamId: string, afterSeq: number, limit: number): Promise<T[]>;
  /** The highest seq written for the stream so far (0 when none). */
  maxSeq(streamId: string): Promise<number>;
}

interface Hub<T> {
  ready: Promise<void>;
  lastSeq: number;
  listeners: Set<(events: T[]) => void>;
  chain: Promise<void>;
  wanted: number;
}

const PAGE = 500;
const MAX_BUFFERED = 2_000;

/**
 * Per-process fan-out of a numbered log (a task's events, a command's output). A notification
 * (ids and seq only; call notify() from the pub/sub handler) makes the hub of that stream read
 * the new rows once and hand them to every local subscriber. A subscriber
 * first registers, then replays from the database, then continues with live rows: every seq
 * arrives exactly once and in order, whatever interleaving of writes, commits and
 * notifications happens meanwhile, and a gap (a lost notification) is filled from the DB.
 */
export class SequenceFeed<T extends Sequenced> {
  private readonly hubs = new Map<string, Hub<T>>();

  constructor(
    private readonly source: SequenceSource<T>,
    private readonly logger: Logger,
  ) {}

  close(): void {
    this.hubs.clear();
  }

  /** Number of streams with at least one local subscriber (for tests and metrics). */
  get activeTasks(): number {
    return this.hubs.size;
  }

  /**
   * Rows of stream `taskId` after `afterSeq`: the stored ones, then live ones. With `endsAt`, the
   * stream can end: for the first row it answers with a seq (not null), the channel completes
   * once it has delivered every row up to that seq (at least that row itself): a command's EXIT
   * chunk, or a task's move into a final status with the events written in the same transaction.
   * With `ended`, the stream is already over: the channel completes after the rows stored now.
   */
  subscribe(
    taskId: string,
    afterSeq: number,
    end: { endsAt?: (row: T) => number | Promise<number> | null; ended?: boolean } = {},
  ): Channel<T> {
    const { endsAt } = end;
    const hub = this.hubFor(taskId);
    let last = afterSeq;
    let delivered = afterSeq;
    let endSeq: number | undefined;
    let ending = false;
    let replaying = true;
    const pendingLive: T[] = [];
    const channel = new Channel<T>(() => {
      hub.listeners.delete(listener);
      if (hub.listeners.size === 0 && this.hubs.get(taskId) === hub) this.hubs.delete(taskId);
    });
    const settle = (seq: number) => {
      endSeq = seq;
      if (delivered >= endSeq) channel.end();
    };
    const push = (e: T) => {
      channel.push(e);
      delivered = e.seq;
      if (endSeq !== undefined) {
        if (e.seq >= endSeq) channel.end();
        return;
      }
      const end = ending || !endsAt ? null : endsAt(e);
      if (end === null) return;
      ending = true;
      if (typeof end === "number") return settle(Math.max(end, e.seq));
      end.then(
        (seq) => settle(Math.max(seq, e.seq)),
        (err: unknown) => channel.fail(err),
      );
    };
    let delivering = Promise.resolve();
    let filling = 0;
    const deliver = (events: T[]) => {
      // Fast path (the usual case): nothing queued and the events continue the sequence.
      if (filling === 0) {
        let i = 0;
        for (; i < events.length; i++) {
          const e = events[i] as T;
          if (channel.isClosed) return;
          if (e.seq <= last) continue;
          if (e.seq !== last + 1) break;
          push(e);
          last = e.seq;
        }
        if (i === events.length) return;
        events = events.slice(i);
      }
      filling++;
      delivering = delivering.then(async () => {
        for (const e of events) {
          if (channel.isClosed) return;
          if (e.seq <= last) continue;
          if (e.seq > last + 1) await this.fill(taskId, last, e.seq - 1, channel, push, (s) => (last = s));
          if (e.seq <= last) continue;
          push(e);
          last = e.seq;
        }
      });
      delivering = delivering.finally(() => filling--);
      delivering.catch((err: unknown) => channel.fail(err));
    };
    const listener = (events: T[]) => {
      if (replaying) pendingLive.push(...events);
      else deliver(events);
    };
    hub.listeners.add(listener);

    void (async () => {
      try {
        await hub.ready;
        if (end.ended) {
          ending = true;
          settle(await this.source.maxSeq(taskId));
        }
        for (;;) {
          if (channel.isClosed) return;
          const page = await this.source.read(taskId, last, PAGE);
          for (const e of page) {
            if (channel.isClosed) return;
            push(e);
            last = e.seq;
          }
          if (page.length < PAGE) break;
          await channel.belowLimit(MAX_BUFFERED);
        }
        replaying = false;
        deliver(pendingLive.splice(0));
      } catch (err) {
        this.logger.error({ err, streamId: taskId }, "sequence replay failed");
        channel.fail(err);
      }
    })();
    return channel;
  }

  private async fill(
    taskId: string,
    from: number,
    to: number,
    channel: Channel<T>,
    push: (row: T) => void,
    setLast: (seq: number) => void,
  ): Promise<void> {
    let cursor = from;
    while (cursor < to && !channel.isClosed) {
      const rows = await this.source.read(taskId, cursor, Math.min(PAGE, to - cursor));
      if (rows.length === 0) return;
      for (const e of rows) {
        if (e.seq > to) return;
        push(e);
        cursor = e.seq;
        setLast(e.seq);
      }
    }
  }

  private hubFor(taskId: string): Hub<T> {
    const existing = this.hubs.get(taskId);
    if (existing) return existing;
    const hub: Hub<T> = {
      ready: Promise.resolve(),
      lastSeq: Number.MAX_SAFE_INTEGER,
      listeners: new Set(),
      chain: Promise.resolve(),
      wanted: 0,
    };
    hub.ready = this.source.maxSeq(taskId).then(
      (seq) => {
        hub.lastSeq = seq;
      },
      (err: unknown) => {
        this.logger.error({ err, streamId: taskId }, "sequence feed init failed");
        hub.lastSeq = 0;
      },
    );
    hub.chain = hub.ready;
    this.hubs.set(taskId, hub);
    return hub;
  }

  /** A row with this seq was committed to the stream. */
  notify(taskId: string, seq: number): void {
    const hub = this.hubs.get(taskId);
    if (!hub) return;
    if (seq <= hub.wanted) return;
    hub.wanted = seq;
    hub.chain = hub.chain
      .then(async () => {
        while (hub.lastSeq < hub.wanted && hub.listeners.size > 0) {
          const rows = await this.source.read(taskId, hub.lastSeq, PAGE);
          if (rows.length === 0) return;
          hub.lastSeq = rows[rows.length - 1]?.seq ?? hub.lastSeq;
          for (const l of [...hub.listeners]) l(rows);
        }
      })
      .catch((err: unknown) => this.logger.error({ err, streamId: taskId }, "sequence fan-out failed"));
  }
}
