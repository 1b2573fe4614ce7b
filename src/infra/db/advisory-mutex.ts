import { createHash } from "node:crypto";
import pg from "pg";
import { conflict } from "../../domain/errors.js";
import type { Logger } from "../../domain/shared/deps.js";
import type { PathMutex } from "../../domain/workspaces/path-mutex.js";

/** How long a change waits for a path another process is changing before CONFLICT ("retry"). */
export const PATH_MUTEX_WAIT_MS = 30_000;

/** A key as PostgreSQL's 64-bit advisory lock id (the first 8 bytes of its SHA-256, signed). */
export const advisoryId = (key: string): string =>
  createHash("sha256").update(key).digest().readBigInt64BE(0).toString();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PathMutex on PostgreSQL session advisory locks, on one connection of its own (not the pool's:
 * a change holds its lock while it writes the file, and must not hold up, or wait for, the pool).
 * Locks are tried (`pg_try_advisory_lock`), and tried again after 5 to 50 ms, so the one connection
 * is never blocked by a waiting change. In-process callers never take one key twice at once (the
 * file tools queue per path first), so a lock's re-entrancy within the session does not matter. A
 * lost connection frees its locks on the server; the next change reconnects.
 */
export class AdvisoryPathMutex implements PathMutex {
  private client: Promise<pg.Client> | null = null;
  private closed = false;
  /** The connection's statements, one after the other (pg wants no overlapping queries on a client). */
  private line: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  private connection(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error("the path mutex is closed"));
    this.client ??= (async () => {
      const c = new pg.Client({ connectionString: this.url, application_name: "agent-system-path-locks" });
      const drop = () => {
        this.client = null;
      };
      c.on("error", (err) => {
        this.logger.warn({ err }, "path lock connection lost: its locks are freed, the next change reconnects");
        drop();
      });
      c.on("end", drop);
      await c.connect().catch((err: unknown) => {
        drop();
        throw err;
      });
      return c;
    })();
    return this.client;
  }

  /** Runs one statement on `client` after those queued before it; whether it answered true. */
  private ask(client: pg.Client, text: string, id: string): Promise<boolean> {
    const next = this.line.then(() => client.query<{ ok: boolean }>(text, [id]));
    this.line = next.catch(() => undefined);
    return next.then((r) => r.rows[0]?.ok === true);
  }

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const ids = [...new Set(keys.map(advisoryId))].sort();
    const client = await this.connection();
    const held: string[] = [];
    try {
      for (const id of ids) {
        await this.acquire(client, id);
        held.push(id);
      }
      return await fn();
    } finally {
      for (const id of held.reverse()) {
        await this.ask(client, "select pg_advisory_unlock($1::bigint) as ok", id).catch((err: unknown) =>
          this.logger.warn({ err }, "could not free a path lock (its connection frees it)"),
        );
      }
    }
  }

  private async acquire(client: pg.Client, id: string): Promise<void> {
    const end = Date.now() + PATH_MUTEX_WAIT_MS;
    for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
      if (await this.ask(client, "select pg_try_advisory_lock($1::bigint) as ok", id)) return;
      if (Date.now() > end) throw conflict("Another process has been changing this path for too long; retry", "path");
      await sleep(wait);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = await this.client?.catch(() => null);
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
