import type { SqlEntityManager } from "@mikro-orm/knex";
import pg from "pg";
import { defer } from "../db/writer.js";
import { HandlerRegistry, topics, type Handler, type Message, type PubSub, type Topic } from "./pubsub.js";

const CHANNEL = "agent_system_events";

export interface PostgresPubSubOptions {
  url: string;
  onError?: (err: Error) => void;
}

/**
 * PostgreSQL LISTEN/NOTIFY for the cluster profile: every process that shares the database
 * sees every message. One dedicated connection listens; publishing uses a short pool.
 * A lost listener connection reconnects; subscribers close any gap by replaying from the DB.
 */
export class PostgresPubSub implements PubSub {
  private readonly registry = new HandlerRegistry();
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: PostgresPubSubOptions) {
    this.pool = new pg.Pool({ connectionString: opts.url, max: 4 });
    this.pool.on("error", (err) => opts.onError?.(err));
  }

  static async connect(opts: PostgresPubSubOptions): Promise<PostgresPubSub> {
    const ps = new PostgresPubSub(opts);
    await ps.listen();
    return ps;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.url });
    client.on("notification", (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      for (const message of parse(n.payload)) this.registry.dispatch(message);
    });
    client.on("error", (err) => {
      this.opts.onError?.(err);
      this.scheduleReconnect();
    });
    client.on("end", () => this.scheduleReconnect());
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.listener = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().catch((err: Error) => {
        this.opts.onError?.(err);
        this.scheduleReconnect();
      });
    }, 500);
  }

  async publish(messages: readonly Message[]): Promise<void> {
    if (this.closed || messages.length === 0) return;
    const payloads = pack(messages);
    await this.pool.query("select pg_notify($1, p) from unnest($2::text[]) with ordinality as t(p, n) order by n", [
      CHANNEL,
      payloads,
    ]);
  }

  /**
   * NOTIFY in the transaction itself, held back with its other statements and sent before the
   * commit. A transaction's messages travel as JSON arrays in as few notifications as their size
   * allows: each NOTIFY costs the commit a turn at PostgreSQL's one notification queue lock.
   */
  async publishWithin(em: SqlEntityManager, messages: readonly Message[]): Promise<void> {
    if (this.closed) return;
    for (const payload of pack(messages)) await defer(em, "select pg_notify(?, ?)", [CHANNEL, payload]);
  }

  subscribe<T extends Topic>(topic: T, handler: Handler<T>): () => void {
    return this.registry.add(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.registry.clear();
    const l = this.listener;
    this.listener = undefined;
    await Promise.allSettled([l?.end(), this.pool.end()]);
  }
}

/** Messages as JSON arrays of at most ~7,000 bytes each (NOTIFY's payload limit is 8,000). */
function pack(messages: readonly Message[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let size = 2;
  for (const m of messages) {
    const j = JSON.stringify(m);
    if (part.length > 0 && size + j.length + 1 > 7_000) {
      out.push(`[${part.join(",")}]`);
      part = [];
      size = 2;
    }
    part.push(j);
    size += j.length + 1;
  }
  if (part.length > 0) out.push(`[${part.join(",")}]`);
  return out;
}

/** A notification's messages: a JSON array of them, or one message (as older processes send). */
function parse(raw: string): Message[] {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [];
  }
  const valid = (m: unknown): m is Message =>
    typeof m === "object" &&
    m !== null &&
    topics.includes((m as Message).topic) &&
    typeof (m as Message).payload === "object" &&
    (m as Message).payload !== null;
  return (Array.isArray(v) ? v : [v]).filter(valid);
}
