/**
 * `backup <file>` and `restore <file>` run as an operator runs them: the compiled CLI, against a
 * DATA_DIR a real server is using, while another connection writes rows without pause.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateTaskDocument, TasksDocument } from "../generated/graphql.js";
import { listening, ok, ProcessHarness, within, type Proc } from "../helpers/process.js";

const harness = new ProcessHarness();

beforeAll(async () => {
  await harness.build();
}, 150_000);

afterAll(async () => {
  await harness.stopAll(0);
  harness.removeTempDirs();
});

/** Runs the CLI to its end (30 s at most). */
async function cli(args: string[], env: Record<string, string>): Promise<Proc & { code: number | null }> {
  const p = harness.spawn(args[0]!, args, env);
  const exit = await within(p.exit, 30_000, `${args.join(" ")}`);
  return { ...p, code: exit.code };
}

function openDb(file: string): Promise<sqlite3.Database> {
  return new Promise((res, rej) => {
    const db = new sqlite3.Database(file, (err) => (err ? rej(err) : res(db)));
  });
}
const all = (db: sqlite3.Database, sql: string, params: unknown[] = []) =>
  new Promise<Array<Record<string, unknown>>>((res, rej) =>
    db.all(sql, params, (err, rows) => (err ? rej(err) : res(rows as Array<Record<string, unknown>>))),
  );
const run = (db: sqlite3.Database, sql: string, params: unknown[] = []) =>
  new Promise<void>((res, rej) => db.run(sql, params, (err) => (err ? rej(err) : res())));
const close = (db: sqlite3.Database) => new Promise<void>((res, rej) => db.close((e) => (e ? rej(e) : res())));
const count = async (db: sqlite3.Database) => Number((await all(db, "select count(*) as n from backup_probe"))[0]!.n);

describe("backup and restore (SQLite)", () => {
  it("backs up while a server runs and another connection writes; restores into a DATA_DIR a server then serves", async () => {
    const dataDir = harness.tempDir("agents-bk-");
    const server = await listening(harness.spawn("server", ["serve"], { DATA_DIR: dataDir }), 20_000);
    const key = readFileSync(join(dataDir, "admin.key"), "utf8").trim();
    const task = (await ok(server, CreateTaskDocument, { input: { title: "kept by the backup", complexity: 1 } }, key))
      .createTask;

    // A real concurrent writer: one row per statement, without pause, until told to stop.
    const writer = await openDb(join(dataDir, "agents.db"));
    await run(writer, "pragma busy_timeout = 10000");
    await run(writer, "create table backup_probe (n integer not null)");
    let writing = true;
    let written = 0;
    const writes = (async () => {
      while (writing) await run(writer, "insert into backup_probe (n) values (?)", [++written]);
    })();
    try {
      while (written < 50) await run(writer, "select 1"); // under way before the backup starts
      const before = await count(writer);
      const file = join(harness.tempDir("agents-bk-out-"), "copy.db");
      const backup = await cli(["backup", file], { DATA_DIR: dataDir });
      expect(backup.stderr()).toBe("");
      expect(backup.code).toBe(0);
      const after = await count(writer);
      expect(after).toBeGreaterThan(before); // the writer kept going during the backup
      writing = false;
      await writes;

      expect(statSync(file).mode & 0o777).toBe(0o600);
      const copy = await openDb(file);
      try {
        expect(await all(copy, "pragma integrity_check")).toEqual([{ integrity_check: "ok" }]);
        const n = await count(copy);
        expect(n).toBeGreaterThanOrEqual(before);
        expect(n).toBeLessThanOrEqual(after);
        // Rows 1..n with none missing: a snapshot, not a torn copy.
        expect(await all(copy, "select min(n) as lo, max(n) as hi from backup_probe")).toEqual([{ lo: 1, hi: n }]);
        expect(await all(copy, "select title from task where id = ?", [task.id])).toEqual([
          { title: "kept by the backup" },
        ]);
      } finally {
        await close(copy);
      }

      // Restore into another DATA_DIR that has a database of its own (kept as .before-restore) …
      const other = harness.tempDir("agents-rs-");
      const migrate = await cli(["migrate"], { DATA_DIR: other });
      expect(migrate.code).toBe(0);
      const restore = await cli(["restore", file], { DATA_DIR: other });
      expect(restore.stderr()).toBe("");
      expect(restore.code).toBe(0);
      expect(existsSync(join(other, "agents.db.before-restore"))).toBe(true);

      // … where a server sees the data, the admin key's hash included.
      const restored = await listening(harness.spawn("restored", ["serve"], { DATA_DIR: other }), 20_000);
      try {
        const tasks = (await ok(restored, TasksDocument, {}, key)).tasks;
        expect(tasks.totalCount).toBe(1);
        expect(tasks.edges.map((e) => e.node.title)).toEqual(["kept by the backup"]);

        // A restore under a running server is refused, and leaves the database alone.
        const busy = await cli(["restore", file], { DATA_DIR: other });
        expect(busy.code).toBe(1);
        expect(busy.stderr()).toContain("IN_USE");
      } finally {
        expect((await restored.terminate()).code).toBe(0);
      }
    } finally {
      writing = false;
      await writes.catch(() => {});
      await close(writer);
      await server.terminate();
    }
  }, 150_000);

  it("refuses files that are not our database, with a code and the file", async () => {
    const dataDir = harness.tempDir("agents-rs-bad-");
    const text = join(dataDir, "notes.txt");
    writeFileSync(text, "not a database");
    const r1 = await cli(["restore", text], { DATA_DIR: dataDir });
    expect(r1.code).toBe(1);
    expect(r1.stderr()).toContain(`(NOT_SQLITE): ${text}`);

    const foreign = join(dataDir, "foreign.db");
    const db = await openDb(foreign);
    await run(db, "create table t (x)");
    await close(db);
    const r2 = await cli(["restore", foreign], { DATA_DIR: dataDir });
    expect(r2.code).toBe(1);
    expect(r2.stderr()).toContain("NOT_OUR_DATABASE");
    expect(existsSync(join(dataDir, "agents.db.before-restore"))).toBe(false);

    // A backup never overwrites a file.
    const r3 = await cli(["backup", foreign], { DATA_DIR: dataDir });
    expect(r3.code).toBe(1);
    expect(r3.stderr()).toContain("EXISTS");
  }, 60_000);

  it("with DATABASE_URL, prints the pg_dump and pg_restore commands without the URL's password", async () => {
    const r = await cli(["backup", "/tmp/x.dump"], {
      DATA_DIR: harness.tempDir("agents-pg-"),
      DATABASE_URL: "postgres://user:hunter2secret@127.0.0.1:1/db",
    });
    expect(r.code).toBe(2);
    expect(r.stderr()).toContain(`pg_dump -Fc --no-owner --dbname="$DATABASE_URL" -f "/tmp/x.dump"`);
    expect(r.stderr()).toContain("pg_restore");
    expect(r.stdout() + r.stderr()).not.toContain("hunter2secret");
  }, 60_000);
});
