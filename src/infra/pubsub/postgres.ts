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
      const message = parse(n.payload);
      if (message) this.registry.dispatch(message);
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
    const payloads = messages.map((m) => JSON.stringify(m));
    await this.pool.query("select pg_notify($1, p) from unnest($2::text[]) with ordinality as t(p, n) order by n", [
      CHANNEL,
      payloads,
    ]);
  }

  /** NOTIFY in the transaction itself: held back with its other statements, sent before the commit. */
  async publishWithin(em: SqlEntityManager, messages: readonly Message[]): Promise<void> {
    if (this.closed) return;
    for (const m of messages) await defer(em, "select pg_notify(?, ?)", [CHANNEL, JSON.stringify(m)]);
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

function parse(raw: string): Message | undefined {
  try {
    const m = JSON.parse(raw) as Message;
    return topics.includes(m.topic) && typeof m.payload === "object" ? m : undefined;
  } catch {
    return undefined;
  }
}
