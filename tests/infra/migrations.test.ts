import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/infra/db/orm.js";
import { postgresqlMigrations, sqliteMigrations } from "../../src/infra/db/migrations/index.js";
import { createTestDatabase } from "../helpers/pg.js";
import { describeProfiles } from "../helpers/profiles.js";

interface IndexInfo {
  table: string;
  columns: string[];
  unique: boolean;
}

/** The index behind every lookup the API makes (name → table, columns, uniqueness). */
const expectedIndexes: Record<string, IndexInfo> = {
  task_status_idx: { table: "task", columns: ["status", "id"], unique: false },
  task_agent_idx: { table: "task", columns: ["assigned_agent_id", "id"], unique: false },
  task_parent_idx: { table: "task", columns: ["parent_id"], unique: false },
  task_event_task_seq_unique: { table: "task_event", columns: ["task_id", "seq"], unique: true },
  api_key_hash_unique: { table: "api_key", columns: ["key_hash"], unique: true },
  agent_name_unique: { table: "agent", columns: ["name"], unique: true },
  workspace_task_unique: { table: "workspace", columns: ["task_id"], unique: true },
  task_pending_idx: { table: "task", columns: ["status", "priority", "id"], unique: false },
  agent_assign_idx: { table: "agent", columns: ["status", "last_active_at"], unique: false },
  agent_heartbeat_idx: { table: "agent", columns: ["kind", "last_heartbeat_at"], unique: false },
};

async function listIndexes(db: Database): Promise<Map<string, IndexInfo>> {
  const em = db.fork();
  const out = new Map<string, IndexInfo>();
  if (db.dialect === "sqlite") {
    const rows = await em.execute<{ name: string; tbl_name: string }[]>(
      "select name, tbl_name from sqlite_master where type = 'index'",
    );
    for (const r of rows) {
      const cols = await em.execute<{ seqno: number; name: string }[]>(`pragma index_info('${r.name}')`);
      const list = await em.execute<{ name: string; unique: number }[]>(`pragma index_list('${r.tbl_name}')`);
      out.set(r.name, {
        table: r.tbl_name,
        columns: [...cols].sort((a, b) => a.seqno - b.seqno).map((c) => c.name),
        unique: list.find((l) => l.name === r.name)?.unique === 1,
      });
    }
  } else {
    const rows = await em.execute<{ indexname: string; tablename: string; indexdef: string }[]>(
      "select indexname, tablename, indexdef from pg_indexes where schemaname = current_schema()",
    );
    for (const r of rows) {
      const cols = /\(([^()]*)\)\s*$/.exec(r.indexdef)?.[1] ?? "";
      out.set(r.indexname, {
        table: r.tablename,
        columns: cols.split(",").map((c) => c.trim().replace(/^"|"$/g, "")),
        unique: /^create unique index/i.test(r.indexdef),
      });
    }
  }
  return out;
}

/** SQL left once comments, blank lines and SQLite's foreign-key pragma wrapper are removed. */
function meaningfulSql(sql: string): string {
  return sql
    .split("\n")
    .map((l) => l.replace(/--.*$/, "").trim())
    .filter((l) => l !== "" && !/^pragma foreign_keys = (on|off);?$/i.test(l))
    .join("\n");
}

describeProfiles("migrations", (profile) => {
  let db: Database;
  let dataDir: string;
  let dropDb: (() => Promise<void>) | undefined;
  const all = (profile === "sqlite" ? sqliteMigrations : postgresqlMigrations).map((m) => m.name);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "agents-migrations-"));
    let url: string | undefined;
    if (profile === "postgres") {
      const t = await createTestDatabase();
      url = t.url;
      dropDb = t.drop;
    }
    db = await openDatabase({ url, dataDir });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropDb?.();
  });

  it("applies every migration to an empty database, in order, and none a second time", async () => {
    expect(all.length).toBeGreaterThan(0);
    expect(await db.pendingMigrations()).toEqual(all);
    expect(await db.migrate()).toEqual(all);
    expect(await db.pendingMigrations()).toEqual([]);
    expect(await db.migrate()).toEqual([]);
    const executed = await db.orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toEqual(all);
  });

  it("leaves no difference between the entities and the migrated database", async () => {
    const sql = await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(meaningfulSql(sql), "entities and migrations differ: run `npx tsx scripts/create-migration.ts <name>`").toBe(
      "",
    );
  });

  it("has an index for every query shape the API uses", async () => {
    const indexes = await listIndexes(db);
    for (const [name, want] of Object.entries(expectedIndexes)) {
      expect(indexes.get(name), `index ${name}`).toEqual(want);
    }
  });

  it.runIf(profile === "sqlite")("SQLite plans the hot lookups through those indexes", async () => {
    const em = db.fork();
    const plan = async (sql: string) =>
      (await em.execute<{ detail: string }[]>(`explain query plan ${sql}`)).map((r) => r.detail).join("\n");
    expect(await plan("select * from task_event where task_id = 'x' and seq > 3 order by seq asc limit 100")).toMatch(
      /USING (COVERING )?INDEX task_event_task_seq_unique/,
    );
    expect(await plan("select * from api_key where key_hash = 'x'")).toMatch(/USING INDEX api_key_hash_unique/);
    expect(await plan("select * from task where status in ('PENDING') order by id asc limit 20")).toMatch(
      /USING (COVERING )?INDEX task_status_idx/,
    );
    expect(await plan("select * from task where assigned_agent_id = 'x' order by id asc limit 20")).toMatch(
      /USING (COVERING )?INDEX (task_agent_idx|task_assigned_agent_id_index)/,
    );
    expect(await plan("select * from task where parent_id = 'x'")).toMatch(/USING (COVERING )?INDEX task_parent_idx/);
    // the assignment engine's picks
    expect(
      await plan(
        "select id from task where status = 'PENDING' and complexity >= 1 and complexity <= 5 order by priority desc, id asc limit 1",
      ),
    ).toMatch(/USING (COVERING )?INDEX (task_pending_idx|task_status_idx)/);
    expect(
      await plan(
        "select id from agent where status = 'AVAILABLE' and active_tasks < max_concurrent_tasks and min_complexity <= 3 and max_complexity >= 3 order by last_active_at asc nulls first, id asc limit 1",
      ),
    ).toMatch(/USING (COVERING )?INDEX (agent_assign_idx|agent_status_idx)/);
    expect(await plan("select * from workspace where task_id = 'x'")).toMatch(
      /USING (COVERING )?INDEX (workspace_task_unique|workspace_task_id_index)/,
    );
  });
});
