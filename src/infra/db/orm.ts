import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { releaseReserveIfFull } from "../disk-reserve.js";
import { keepPrivate, privateDirMode } from "../private-dirs.js";
import { join } from "node:path";
import type { MikroORM, Options } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { Migrator } from "@mikro-orm/migrations";
import { entities } from "./entities.js";
import { postgresqlMigrations, sqliteMigrations } from "./migrations/index.js";
import { pgRunner, sqliteRunner, type RawRunner, type Row } from "./raw.js";
import { Reader } from "./reader.js";

export type Dialect = "sqlite" | "postgresql";

export interface DatabaseOptions {
  /** postgres:// URL, or undefined for the embedded SQLite file. */
  url: string | undefined;
  /** Directory holding the SQLite file (ignored for PostgreSQL). */
  dataDir: string;
  /** Log every SQL statement through this function (benchmarks count statements this way). */
  onQuery?: (sql: string) => void;
  debug?: boolean;
}

export interface Database {
  readonly dialect: Dialect;
  readonly orm: MikroORM;
  /** A fresh, isolated EntityManager. Every request, job and event works in its own. */
  fork(): SqlEntityManager;
  /** Plain-object reads for the hot paths (see reader.ts). */
  readonly read: Reader;
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const sqlitePragmas = [
  "pragma foreign_keys = on",
  "pragma journal_mode = wal",
  "pragma synchronous = normal",
  "pragma busy_timeout = 5000",
].join(";");

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const dialect: Dialect = opts.url ? "postgresql" : "sqlite";
  const common: Options = {
    entities,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    debug: opts.debug === true || opts.onQuery !== undefined ? ["query"] : false,
    logger: opts.onQuery ? (msg: string) => opts.onQuery?.(msg) : () => {},
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ignoreUndefinedInQuery: true,
    migrations: {
      tableName: "mikro_orm_migrations",
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      silent: true,
      migrationsList: dialect === "sqlite" ? sqliteMigrations : postgresqlMigrations,
    },
  };
  let orm: MikroORM;
  let fileIdentity: { dev: number; ino: number } | null = null;
  const dbFile = join(opts.dataDir, "agents.db");
  if (dialect === "sqlite") {
    fileIdentity = prepareSqliteFile(opts.dataDir, dbFile);
    const { MikroORM: SqliteORM } = await import("@mikro-orm/sqlite");
    orm = await SqliteORM.init({
      ...common,
      dbName: dbFile,
      pool: {
        min: 1,
        max: 1,
        idleTimeoutMillis: 2 ** 31 - 1,
        afterCreate: (
          conn: { exec(sql: string, cb: (err: Error | null) => void): void },
          done: (err: Error | null, conn: unknown) => void,
        ) => conn.exec(sqlitePragmas, (err) => done(err, conn)),
      },
    } as Options);
  } else {
    const { MikroORM: PgORM } = await import("@mikro-orm/postgresql");
    orm = await PgORM.init({ ...common, clientUrl: opts.url, pool: { min: 1, max: 20 } } as Options);
  }
  const em = orm.em as SqlEntityManager;
  const logQuery = opts.onQuery ? (text: string) => opts.onQuery?.(`[query] ${text}`) : undefined;
  queryLoggers.set(orm.config, logQuery);
  const reads = dialect === "sqlite" ? sqliteReads(dbFile, logQuery) : null;
  if (reads) readRunners.set(orm.config, reads.runner);
  return {
    dialect,
    orm,
    fork: () => em.fork(),
    read: new Reader(orm, dialect === "sqlite", reads?.runner ?? poolRunner(em, logQuery)),
    async migrate() {
      if (dialect === "sqlite") return (await orm.getMigrator().up()).map((m) => m.name);
      // Processes starting together on one PostgreSQL take turns: a session advisory lock on a
      // connection of its own, held while the migrator runs on the ORM's pool.
      const { default: pg } = await import("pg");
      const lock = new pg.Client({ connectionString: opts.url });
      await lock.connect();
      try {
        await lock.query("select pg_advisory_lock(hashtext('agent_system_migrations'))");
        return (await orm.getMigrator().up()).map((m) => m.name);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('agent_system_migrations'))").catch(() => {});
        await lock.end().catch(() => {});
      }
    },
    async pendingMigrations() {
      return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
    },
    async ping() {
      // A database file deleted or replaced under a running server: every write would go to the
      // unlinked file (lost at the next start), so the server is not ready, and says why.
      if (fileIdentity) {
        const now = statSync(dbFile, { throwIfNoEntry: false });
        if (!now) throw new Error(`the database file ${dbFile} was deleted while the server runs; restart it`);
        if (now.dev !== fileIdentity.dev || now.ino !== fileIdentity.ino) {
          throw new Error(`the database file ${dbFile} was replaced while the server runs; restart it`);
        }
      }
      await em.fork().execute("select 1");
    },
    async close() {
      await reads?.close();
      await orm.close(true);
    },
  };
}

/** The query logger of an ORM (statements run below MikroORM report to it too). */
export const queryLoggers = new WeakMap<object, ((text: string) => void) | undefined>();

/**
 * The read connections of an ORM whose reads neither wait for nor hold up its writer (SQLite's,
 * see sqliteReads): optimistic transactions read there before they take the writer.
 */
export const readRunners = new WeakMap<object, Pick<RawRunner, "all">>();

/**
 * Reads on SQLite run on connections of their own beside the ORM's one writer: in WAL mode a
 * reader sees every committed transaction and neither waits for the writer nor holds it up, and
 * the reads run on another thread. Two connections, opened on first use, each `query_only`.
 */
function sqliteReads(
  file: string,
  onQuery?: (text: string) => void,
): { runner: Pick<RawRunner, "all">; close(): Promise<void> } {
  type Conn = import("sqlite3").Database;
  let conns: Promise<Conn[]> | null = null;
  let runners: Promise<Array<Pick<RawRunner, "all">>> | null = null;
  let closed = false;
  let next = 0;
  const openOne = async (): Promise<Conn> => {
    const { default: sqlite3 } = await import("sqlite3");
    const db = await new Promise<Conn>((resolve, reject) => {
      const c: Conn = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(c)));
    });
    await new Promise<void>((resolve, reject) =>
      db.exec("pragma busy_timeout = 5000; pragma query_only = on", (err) => (err ? reject(err) : resolve())),
    );
    return db;
  };
  const pick = async (): Promise<Pick<RawRunner, "all">> => {
    if (closed) throw new Error("the database is closed");
    conns ??= Promise.all([openOne(), openOne()]);
    runners ??= conns.then((all) => all.map((c) => sqliteRunner(c, onQuery)));
    const all = await runners;
    return all[next++ % all.length]!;
  };
  return {
    runner: {
      all: async (text, params) => (await pick()).all(text, params),
    },
    async close() {
      closed = true;
      const all = conns ? await conns.catch(() => []) : [];
      conns = null;
      runners = null;
      await Promise.all(all.map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
    },
  };
}

/** Reads on PostgreSQL: a connection of the ORM's pool, the statement sent by the driver itself. */
function poolRunner(em: SqlEntityManager, onQuery?: (text: string) => void): Pick<RawRunner, "all"> {
  const client = em.getConnection().getKnex().client as {
    acquireConnection(): Promise<{ query(text: string, params: unknown[]): Promise<{ rows: Row[] }> }>;
    releaseConnection(conn: unknown): Promise<void>;
  };
  const on = async <T>(fn: (r: RawRunner) => Promise<T>): Promise<T> => {
    const conn = await client.acquireConnection();
    try {
      return await fn(pgRunner(conn, onQuery));
    } finally {
      await client.releaseConnection(conn);
    }
  };
  return {
    all: (text, params) => on((r) => r.all(text, params)),
  };
}

/**
 * The data folder (see privateDirMode) and the database file (0600, made before SQLite opens it:
 * its -wal and -shm files take the same mode). Returns the file's identity, which ping() checks.
 */
function prepareSqliteFile(dataDir: string, dbFile: string): { dev: number; ino: number } {
  mkdirSync(dataDir, { recursive: true, mode: privateDirMode() });
  keepPrivate(dataDir);
  // On a full disk SQLite could not make its -wal and -shm files: the reserve makes room.
  releaseReserveIfFull(dataDir);
  closeSync(openSync(dbFile, "a", 0o600));
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // not there (yet): made by SQLite with the database file's mode
    }
  }
  const st = statSync(dbFile);
  return { dev: st.dev, ino: st.ino };
}
