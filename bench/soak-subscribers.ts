/**
 * The soak's live subscribers (soak.ts): graphql-ws clients that each follow some tasks'
 * `taskEvents` from afterSeq 0 and every task's completion through `taskChanged`, and check on
 * the way that no event is lost or repeated. A subscriber can be moved to another API node in the
 * middle of the run: it resumes each unfinished task at the last seq it received.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

const EVENTS =
  "subscription($taskId: ID!, $afterSeq: Int) { taskEvents(taskId: $taskId, afterSeq: $afterSeq) { seq createdAt } }";
const COMPLETED = "subscription { taskChanged(filter: { status: [COMPLETE] }) { id status lastEventSeq } }";

type EventMsg = { data?: { taskEvents?: { seq: number; createdAt: string } } | null };
type ChangedMsg = { data?: { taskChanged?: { id: string; lastEventSeq: number } } | null };

/** What one subscriber saw of one task's events. */
interface Stream {
  last: number;
  gaps: number;
  repeats: number;
  /** The server completed the stream (after the task's final event). */
  done: boolean;
  /** Which connection of the subscriber the stream's handlers belong to. */
  generation: number;
}

/** What every subscriber of the run saw, together. */
export interface DeliveryTotals {
  streams: number;
  streamsDone: number;
  events: number;
  gaps: number;
  repeats: number;
  /** Event created (its createdAt) → received, for events created after the stream subscribed (ms). */
  liveLatencies: number[];
  /** Tasks whose COMPLETE reached a subscriber, summed over the subscribers that never moved, and over those that did. */
  completions: { stayed: number; moved: number };
  /** COMPLETE notifications of a task beyond the first, in all; of those, the ones with a lastEventSeq already received. */
  completionRepeats: { all: number; sameSeq: number };
  errors: string[];
  resumes: number;
}

export class Subscriber {
  private client: Client;
  private generation = 0;
  private readonly streams = new Map<string, Stream>();
  /** The lastEventSeq of each COMPLETE notification per task, of this subscriber's taskChanged. */
  readonly completions = new Map<string, number[]>();
  readonly latencies: number[] = [];
  readonly errors: string[] = [];
  events = 0;
  resumes = 0;

  constructor(
    private wsUrl: string,
    private readonly key: string,
  ) {
    this.client = this.connect();
  }

  private connect(): Client {
    const client = createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${this.key}` },
    });
    const generation = this.generation;
    client.subscribe<ChangedMsg["data"]>(
      { query: COMPLETED },
      {
        next: (m: ChangedMsg) => {
          const t = m.data?.taskChanged;
          if (!t || generation !== this.generation) return;
          const seen = this.completions.get(t.id) ?? [];
          seen.push(t.lastEventSeq);
          this.completions.set(t.id, seen);
        },
        error: (e) => this.fail("taskChanged", generation, e),
        complete: () => {},
      },
    );
    return client;
  }

  private fail(what: string, generation: number, e: unknown): void {
    if (generation !== this.generation) return;
    this.errors.push(`${what}: ${e instanceof Error ? e.message : JSON.stringify(e).slice(0, 200)}`);
  }

  /** Follows `taskId` from its first event. */
  follow(taskId: string): void {
    const s: Stream = { last: 0, gaps: 0, repeats: 0, done: false, generation: this.generation };
    this.streams.set(taskId, s);
    this.subscribe(taskId, s);
  }

  private subscribe(taskId: string, s: Stream): void {
    const generation = this.generation;
    s.generation = generation;
    const since = Date.now();
    this.client.subscribe<EventMsg["data"]>(
      { query: EVENTS, variables: { taskId, afterSeq: s.last } },
      {
        next: (m: EventMsg) => {
          const e = m.data?.taskEvents;
          if (!e || generation !== this.generation) return;
          const received = Date.now();
          this.events++;
          if (e.seq <= s.last) s.repeats++;
          else {
            s.gaps += e.seq - s.last - 1;
            s.last = e.seq;
          }
          const created = Date.parse(e.createdAt);
          if (created >= since) this.latencies.push(received - created);
        },
        error: (e) => this.fail(`taskEvents ${taskId}`, generation, e),
        complete: () => {
          if (generation === this.generation) s.done = true;
        },
      },
    );
  }

  /**
   * Drops the connection and opens one to `wsUrl`: taskChanged again, and every unfinished task's
   * events from the last seq received (what a client does after a network failure).
   */
  async moveTo(wsUrl: string): Promise<void> {
    this.generation++;
    this.resumes++;
    await this.client.dispose();
    this.wsUrl = wsUrl;
    this.client = this.connect();
    for (const [taskId, s] of this.streams) if (!s.done) this.subscribe(taskId, s);
  }

  /** Whether every followed task's stream has completed. */
  allDone(): boolean {
    for (const s of this.streams.values()) if (!s.done) return false;
    return true;
  }

  /** The seq each followed task's stream ended at. */
  lastSeqs(): Map<string, number> {
    return new Map([...this.streams].map(([id, s]) => [id, s.last]));
  }

  streamStats(): { streams: number; done: number; gaps: number; repeats: number } {
    let done = 0;
    let gaps = 0;
    let repeats = 0;
    for (const s of this.streams.values()) {
      if (s.done) done++;
      gaps += s.gaps;
      repeats += s.repeats;
    }
    return { streams: this.streams.size, done, gaps, repeats };
  }

  close(): Promise<void> {
    this.generation++;
    return this.client.dispose() as Promise<void>;
  }
}

/** The subscribers' observations added up. */
export function totals(subscribers: readonly Subscriber[]): DeliveryTotals {
  const t: DeliveryTotals = {
    streams: 0,
    streamsDone: 0,
    events: 0,
    gaps: 0,
    repeats: 0,
    liveLatencies: [],
    completions: { stayed: 0, moved: 0 },
    completionRepeats: { all: 0, sameSeq: 0 },
    errors: [],
    resumes: 0,
  };
  for (const s of subscribers) {
    const st = s.streamStats();
    t.streams += st.streams;
    t.streamsDone += st.done;
    t.gaps += st.gaps;
    t.repeats += st.repeats;
    t.events += s.events;
    for (const l of s.latencies) t.liveLatencies.push(l);
    for (const seqs of s.completions.values()) {
      t.completions[s.resumes > 0 ? "moved" : "stayed"]++;
      t.completionRepeats.all += seqs.length - 1;
      t.completionRepeats.sameSeq += seqs.length - new Set(seqs).size;
    }
    t.errors.push(...s.errors);
    t.resumes += s.resumes;
  }
  return t;
}
