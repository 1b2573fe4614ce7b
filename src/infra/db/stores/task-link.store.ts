import { createHash } from "node:crypto";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { TaskLinkRecord } from "../../../domain/records.js";
import type { IssueRef, TaskLinkKind, TaskLinkStore } from "../../../domain/links/task-link.store.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { TaskStatus } from "../../../domain/terms.js";
import type { Database } from "../orm.js";
import { placeholders, sql } from "../reader.js";
import { execute, selectRows, sqliteOf } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

const columns = [
  "id",
  "task_id",
  "kind",
  "url",
  "repository",
  "number",
  "state",
  "title",
  "node_id",
  "branch",
  "sha",
  "created_at",
  "updated_at",
];
const quoted = columns.map((c) => `"${c}"`);
/** What a second write of the same task and URL changes (id, task, URL and createdAt stay). */
const updated = quoted.filter((c) => !['"id"', '"task_id"', '"url"', '"created_at"'].includes(c));

const upsertSql = `insert into task_link (${quoted.join(", ")}) values (${placeholders(columns.length)})
  on conflict ("task_id", "url") do update set ${updated.map((c) => `${c} = excluded.${c}`).join(", ")}
  returning "id"`;

/** A signed 64-bit advisory lock key for `key` (PostgreSQL's pg_advisory_xact_lock takes a bigint). */
const lockKey = (key: string): string => createHash("sha256").update(key).digest().readBigInt64BE(0).toString();

/** Task links on SQLite or PostgreSQL: writes in the caller's transaction, reads beside the writer. */
export class SqlTaskLinkStore implements TaskLinkStore {
  constructor(private readonly db: Database) {}

  async findIn(tx: TransactionHandle, taskId: string, url: string): Promise<TaskLinkRecord | null> {
    const [row] = await selectRows(em(tx), TaskLinkRecord, sql("task_id = ? and url = ?", [taskId, url]));
    return row ?? null;
  }

  async upsertIn(tx: TransactionHandle, link: TaskLinkRecord): Promise<TaskLinkRecord> {
    const sqlite = sqliteOf(em(tx));
    const at = (d: Date) => (sqlite ? d.getTime() : d);
    const rows = await execute(em(tx), upsertSql, [
      link.id,
      link.taskId,
      link.kind,
      link.url,
      link.repository,
      link.number,
      link.state,
      link.title,
      link.nodeId,
      link.branch,
      link.sha,
      at(link.createdAt),
      at(link.updatedAt),
    ]);
    const id = String(rows[0]?.id ?? link.id);
    if (id === link.id) return link;
    // Another transaction wrote the task's link to this URL first: this one updated it.
    return (await this.findIn(tx, link.taskId, link.url)) ?? { ...link, id };
  }

  async lockKeyIn(tx: TransactionHandle, key: string): Promise<void> {
    // SQLite: the one write connection runs one transaction at a time already.
    if (sqliteOf(em(tx))) return;
    await execute(em(tx), "select pg_advisory_xact_lock(cast(? as bigint)) as locked", [lockKey(key)]);
  }

  async unfinishedTasksWithLinkIn(
    tx: TransactionHandle,
    kind: TaskLinkKind,
    url: string,
    finished: readonly TaskStatus[],
  ): Promise<string[]> {
    const rows = await execute(
      em(tx),
      `select distinct l.task_id as id from task_link l join task t on t.id = l.task_id
         where l.kind = ? and l.url = ? and t.status not in (${placeholders(finished.length)})`,
      [kind, url, ...finished],
    );
    return rows.map((r) => String(r.id));
  }

  byNumber(kind: TaskLinkKind, ref: IssueRef, limit: number): Promise<TaskLinkRecord[]> {
    return this.db.read.select(
      TaskLinkRecord,
      sql(`repository = ? and "number" = ? and kind = ?`, [ref.repository, ref.number, kind]),
      { orderBy: "id asc", limit },
    );
  }

  byBranch(repository: string, branch: string, limit: number): Promise<TaskLinkRecord[]> {
    // A pushed branch's repository is named as its URL spells it: GitHub's names ignore case.
    return this.db.read.select(
      TaskLinkRecord,
      sql("kind = 'BRANCH' and branch = ? and lower(repository) = lower(?)", [branch, repository]),
      { orderBy: "id asc", limit },
    );
  }

  ofTasks(taskIds: readonly string[]): Promise<TaskLinkRecord[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    return this.db.read.select(TaskLinkRecord, sql(`task_id in (${placeholders(taskIds.length)})`, taskIds), {
      orderBy: "id asc",
    });
  }

  async tasksWithLink(
    kind: TaskLinkKind,
    statuses: readonly TaskStatus[],
    since: Date,
    limit: number,
  ): Promise<string[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db.fork().execute<Array<{ id: string }>>(
      `select t.id from task t
         where t.status in (${placeholders(statuses.length)}) and t.updated_at >= ?
           and exists (select 1 from task_link l where l.task_id = t.id and l.kind = ?)
         order by t.id limit ?`,
      [...statuses, this.db.dialect === "sqlite" ? since.getTime() : since, kind, limit],
      "all",
    );
    return rows.map((r) => r.id);
  }
}
