import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { ChannelQuery, ChannelStore } from "../../../domain/channels/channel.store.js";
import { conflict } from "../../../domain/errors.js";
import {
  ChannelMemberRecord,
  ChannelMessageRecord,
  ChannelRecord,
  type ChannelParticipantRef,
} from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql, type Sql } from "../reader.js";
import { execute, insertRows } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof UniqueConstraintViolationException ||
  (err as { code?: string }).code === "23505" ||
  /UNIQUE constraint failed/.test(String((err as Error).message));

/** The conditions of a channels(filter) read. */
function whereOf(q: ChannelQuery): Sql | null {
  const v = q.visibleTo;
  let visible: Sql | null = null;
  if (v) {
    const member = v.agentId
      ? sql("id in (select channel_id from channel_member where agent_id = ?)", [v.agentId])
      : sql("id in (select channel_id from channel_member where api_key_id = ?)", [v.apiKeyId]);
    const tasks = v.allTaskChannels
      ? sql("kind = 'TASK'")
      : v.agentId
        ? sql("task_id in (select id from task where assigned_agent_id = ?)", [v.agentId])
        : null;
    visible = tasks ? sql(`(${member.text}) or (${tasks.text})`, [...member.params, ...tasks.params]) : member;
  }
  return and(
    q.kind === null ? null : sql("kind = ?", [q.kind]),
    q.taskId === null ? null : sql("task_id = ?", [q.taskId]),
    visible,
  );
}

/** Channels, members and messages on SQLite or PostgreSQL; reads beside the writer. */
export class SqlChannelStore implements ChannelStore {
  constructor(private readonly db: Database) {}

  async insertChannel(tx: TransactionHandle, row: ChannelRecord): Promise<boolean> {
    // A new task's channel: nothing can hold its name yet; held back to go with the next statement.
    if (row.kind === "TASK") {
      await insertRows(em(tx), ChannelRecord, [row], { deferred: true });
      return true;
    }
    if ((await execute(em(tx), "select 1 as x from channel where name = ?", [row.name])).length > 0) return false;
    try {
      await insertRows(em(tx), ChannelRecord, [row]);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict("A channel with this name was made at the same time", "name");
      throw err;
    }
  }

  async ensureTaskChannel(row: ChannelRecord): Promise<ChannelRecord> {
    const at = (d: Date) => (this.db.dialect === "sqlite" ? d.getTime() : d);
    await this.db.fork().execute(
      `insert into channel (id, kind, name, description, task_id, message_seq, created_by_key_id, created_at, updated_at)
       values (?, ?, ?, ?, ?, 0, null, ?, ?) on conflict do nothing`,
      [row.id, row.kind, row.name, row.description, row.taskId, at(row.createdAt), at(row.updatedAt)],
      "run",
    );
    const made = row.taskId ? await this.byTask(row.taskId) : null;
    if (!made) throw new Error("a task channel vanished after being made");
    return made;
  }

  async insertMembers(tx: TransactionHandle, rows: readonly ChannelMemberRecord[]): Promise<void> {
    await insertRows(em(tx), ChannelMemberRecord, rows);
  }

  private async one(where: Sql): Promise<ChannelRecord | null> {
    const [row] = await this.db.read.select(ChannelRecord, where, { limit: 1 });
    return row ?? null;
  }

  get(id: string): Promise<ChannelRecord | null> {
    return this.one(sql("id = ?", [id]));
  }

  byName(name: string): Promise<ChannelRecord | null> {
    return this.one(sql("name = ?", [name]));
  }

  byTask(taskId: string): Promise<ChannelRecord | null> {
    return this.one(sql("task_id = ?", [taskId]));
  }

  members(channelIds: readonly string[]): Promise<ChannelMemberRecord[]> {
    if (channelIds.length === 0) return Promise.resolve([]);
    return this.db.read.select(
      ChannelMemberRecord,
      sql(`channel_id in (${placeholders(channelIds.length)})`, channelIds),
      { orderBy: "id asc" },
    );
  }

  list(query: ChannelQuery, range: Keyset): Promise<ChannelRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(ChannelRecord, and(whereOf(query), where), { orderBy, limit });
  }

  count(query: ChannelQuery): Promise<number> {
    return this.db.read.count(ChannelRecord, whereOf(query));
  }

  async nextSeq(tx: TransactionHandle, channelId: string): Promise<number> {
    const rows = await execute(
      em(tx),
      "update channel set message_seq = message_seq + 1 where id = ? returning message_seq",
      [channelId],
    );
    return Number(rows[0]?.message_seq ?? 0);
  }

  async insertMessage(tx: TransactionHandle, row: ChannelMessageRecord): Promise<void> {
    await insertRows(em(tx), ChannelMessageRecord, [row], { deferred: true });
  }

  countSince(
    channelId: string,
    author: { agentId: string | null; keyId: string | null },
    since: Date,
  ): Promise<number> {
    // SQLite keeps datetimes as epoch milliseconds, PostgreSQL as timestamptz.
    const at = this.db.dialect === "sqlite" ? since.getTime() : since;
    const who = author.agentId
      ? sql("author_agent_id = ?", [author.agentId])
      : sql("author_agent_id is null and author_key_id = ?", [author.keyId]);
    return this.db.read.count(
      ChannelMessageRecord,
      sql(`channel_id = ? and created_at >= ? and ${who.text}`, [channelId, at, ...who.params]),
    );
  }

  readAfter(channelId: string, afterSeq: number, limit: number): Promise<ChannelMessageRecord[]> {
    return this.db.read.select(ChannelMessageRecord, sql("channel_id = ? and seq > ?", [channelId, afterSeq]), {
      orderBy: "seq asc",
      limit,
    });
  }

  async maxSeq(channelId: string): Promise<number> {
    return (await this.get(channelId))?.messageSeq ?? 0;
  }

  async message(id: string): Promise<ChannelMessageRecord | null> {
    const [row] = await this.db.read.select(ChannelMessageRecord, sql("id = ?", [id]), { limit: 1 });
    return row ?? null;
  }

  async treeAgentIds(taskId: string): Promise<string[]> {
    const rows = await this.db.fork().execute<Array<{ agent: string | null }>>(
      `with recursive up(id, parent_id) as (
         select id, parent_id from task where id = ?
         union all select t.id, t.parent_id from task t join up on t.id = up.parent_id
       ), down(id) as (
         select id from up where parent_id is null
         union all select t.id from task t join down on t.parent_id = down.id
       )
       select distinct assigned_agent_id as agent from task where id in (select id from down)`,
      [taskId],
    );
    return rows.map((r) => r.agent).filter((a): a is string => typeof a === "string");
  }

  participantsNamed(names: readonly string[]): Promise<ChannelParticipantRef[]> {
    return names.length === 0 ? Promise.resolve([]) : this.participants("name", names);
  }

  participantsWithIds(ids: readonly string[]): Promise<ChannelParticipantRef[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.participants("id", ids);
  }

  /** Agents, and API keys of people (not revoked, not AGENT keys), by name or id. */
  private async participants(column: "name" | "id", values: readonly string[]): Promise<ChannelParticipantRef[]> {
    const list = placeholders(values.length);
    const rows = await this.db.fork().execute<Array<{ name: string; agent_id: string | null; key_id: string | null }>>(
      `select name, id as agent_id, null as key_id from agent where ${column} in (${list})
       union all
       select name, null as agent_id, id as key_id from api_key
         where ${column} in (${list}) and revoked_at is null and role <> 'AGENT'`,
      [...values, ...values],
    );
    return rows.map((r) => ({ name: r.name, agentId: r.agent_id ?? null, apiKeyId: r.key_id ?? null }));
  }
}
