/**
 * `backup <file>` and `restore <file>` for the embedded SQLite database (DATA_DIR/agents.db).
 * PostgreSQL has its own tools (pg_dump / pg_restore): for it `backup` prints the commands.
 */
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Database as SqliteDatabase } from "sqlite3";

/** Why a backup or restore was refused: a code for scripts, and the file it is about. */
export class BackupError extends Error {
  constructor(
    readonly code: "NOT_SQLITE" | "NOT_OUR_DATABASE" | "CORRUPT" | "IN_USE" | "EXISTS" | "NO_DATABASE" | "POSTGRESQL",
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = "BackupError";
  }
}

const header = Buffer.from("SQLite format 3\0", "latin1");

async function open(file: string, readOnly: boolean): Promise<SqliteDatabase> {
  const { default: sqlite3 } = await import("sqlite3");
  return new Promise((res, rej) => {
    const db: SqliteDatabase = new sqlite3.Database(
      file,
      readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE,
      (err) => (err ? rej(err) : res(db)),
    );
  });
}

const all = (db: SqliteDatabase, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> =>
  new Promise((res, rej) =>
    db.all(sql, params, (err, rows) => (err ? rej(err) : res(rows as Array<Record<string, unknown>>))),
  );
const run = (db: SqliteDatabase, sql: string, params: unknown[] = []): Promise<void> =>
  new Promise((res, rej) => db.run(sql, params, (err) => (err ? rej(err) : res())));
const close = (db: SqliteDatabase): Promise<void> => new Promise((res, rej) => db.close((e) => (e ? rej(e) : res())));

/** The database file of a DATA_DIR (as openDatabase names it). */
export const sqliteFile = (dataDir: string): string => join(dataDir, "agents.db");

/** The commands that back up and restore a PostgreSQL database; the URL is named, never printed (it holds a password). */
export function pgDumpAdvice(file: string): string {
  const f = JSON.stringify(resolve(file));
  return [
    "DATABASE_URL is set: back up PostgreSQL with its own tools (consistent while the server runs):",
    "",
    `  pg_dump -Fc --no-owner --dbname="$DATABASE_URL" -f ${f}`,
    "",
    "and restore into an empty database (stop the servers and workers first):",
    "",
    `  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${f}`,
  ].join("\n");
}

/** Throws BackupError unless `file` is an intact SQLite database with our migrations table. */
export async function verifyBackup(file: string): Promise<{ migrations: number }> {
  if (!existsSync(file)) throw new BackupError("NO_DATABASE", file, `${file} does not exist`);
  const head = Buffer.alloc(header.length);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(header)) throw new BackupError("NOT_SQLITE", file, `${file} is not an SQLite database`);
  // Read-write (a WAL-mode copy cannot always be read with a read-only connection); only read.
  const db = await open(file, false);
  try {
    const check = await all(db, "pragma integrity_check");
    if (check.length !== 1 || check[0]!.integrity_check !== "ok") {
      throw new BackupError("CORRUPT", file, `${file} fails SQLite's integrity check`);
    }
    const table = await all(
      db,
      "select name from sqlite_master where type = 'table' and name = 'mikro_orm_migrations'",
    );
    if (table.length === 0) {
      throw new BackupError("NOT_OUR_DATABASE", file, `${file} is not an agent-system database (no migrations table)`);
    }
    const [{ n }] = (await all(db, "select count(*) as n from mikro_orm_migrations")) as [{ n: number }];
    return { migrations: n };
  } finally {
    await close(db);
  }
}

/**
 * A consistent copy of the live database, taken while servers may be writing: `VACUUM INTO` reads
 * in one read transaction (WAL lets writers go on meanwhile) and writes a compact copy. It goes to
 * a temporary file beside the target, renamed into place once complete, so a backup that failed
 * half way never looks like a good one.
 */
export async function backupSqlite(dataDir: string, target: string): Promise<{ file: string; bytes: number }> {
  const file = resolve(target);
  if (existsSync(file)) throw new BackupError("EXISTS", file, `${file} exists; name a new file`);
  const source = sqliteFile(dataDir);
  if (!existsSync(source)) throw new BackupError("NO_DATABASE", source, `there is no database at ${source}`);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  // Read-write: a read-only connection cannot always join a WAL database; nothing is written to it.
  const db = await open(source, false);
  try {
    await run(db, "pragma busy_timeout = 10000");
    await run(db, "vacuum into ?", [tmp]);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    await close(db);
  }
  // The copy holds everything the server knows (keys' hashes, secrets' ciphertext): owner only.
  chmodSync(tmp, 0o600);
  syncFile(tmp);
  renameSync(tmp, file);
  return { file, bytes: statSync(file).size };
}

function syncFile(file: string): void {
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts a backup in place of DATA_DIR/agents.db. The backup is checked first, then copied beside
 * the database (checked again there) and renamed over it, so the database file is at every moment
 * either the old one or the whole new one. The old one is kept as agents.db.before-restore.
 *
 * A server holding the database is detected by its WAL file: SQLite deletes agents.db-wal when
 * the last connection closes, so once ours (which checkpoints the WAL into the file) has closed,
 * a WAL still there is another process's.
 */
export async function restoreSqlite(
  dataDir: string,
  backup: string,
): Promise<{ file: string; previous: string | null }> {
  const from = resolve(backup);
  await verifyBackup(from);
  const target = sqliteFile(dataDir);
  const previous = `${target}.before-restore`;
  let hadOld = existsSync(target);
  if (hadOld) {
    const db = await open(target, false);
    try {
      await run(db, "pragma busy_timeout = 5000");
      await all(db, "pragma wal_checkpoint(TRUNCATE)");
    } finally {
      await close(db);
    }
    if (existsSync(`${target}-wal`)) {
      throw new BackupError("IN_USE", target, `${target} is in use (a server or worker has it open); stop it first`);
    }
  }
  const tmp = `${target}.restore-${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  copyFileSync(from, tmp);
  chmodSync(tmp, 0o600);
  syncFile(tmp);
  try {
    await verifyBackup(tmp);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  hadOld = existsSync(target);
  if (hadOld) {
    rmSync(previous, { force: true });
    // A hard link keeps the old database under its new name while agents.db still names it.
    linkSync(target, previous);
  }
  // Stale companions of the old file must not be read as the new one's (a crash left them).
  for (const suffix of ["-wal", "-shm", "-journal"]) rmSync(`${target}${suffix}`, { force: true });
  renameSync(tmp, target);
  return { file: target, previous: hadOld ? previous : null };
}
