import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { conflict } from "../../../domain/errors.js";
import { AgentRecord, SecretRecord, TaskRecord } from "../../../domain/records.js";
import type {
  SecretChange,
  SecretListFilter,
  SecretStore,
  SecretUseRecord,
} from "../../../domain/secrets/secret.store.js";
import type { SecretKind, SecretLookup } from "../../../domain/secrets/secret.types.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { and, keysetOf, sql, type Sql } from "../reader.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

const filterWhere = (filter: SecretListFilter): Sql | null =>
  and(
    filter.kind === null ? null : sql("kind = ?", [filter.kind]),
    filter.scope === null ? null : sql("scope = ?", [filter.scope]),
  );

/** The scopes a lookup reaches: its task's secrets, its agent's, and the global ones. */
function scopesOf(lookup: SecretLookup): Sql {
  const scopes = [sql("(scope = 'GLOBAL' and scope_id = '')")];
  if (lookup.agentId) scopes.push(sql("(scope = 'AGENT' and scope_id = ?)", [lookup.agentId]));
  if (lookup.taskId) scopes.push(sql("(scope = 'TASK' and scope_id = ?)", [lookup.taskId]));
  return sql(
    scopes.map((s) => s.text).join(" or "),
    scopes.flatMap((s) => s.params),
  );
}

/** The secrets store on SQLite or PostgreSQL: reads beside the writer, changes guarded by `version`. */
export class SqlSecretStore implements SecretStore {
  constructor(private readonly db: Database) {}

  async insert(tx: TransactionHandle, secret: SecretRecord): Promise<void> {
    try {
      await em(tx).insert(SecretRecord, secret);
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw conflict(`A secret named "${secret.name}" already exists in this scope`, "name");
      }
      throw err;
    }
  }

  async get(id: string, tx?: TransactionHandle): Promise<SecretRecord | null> {
    if (tx) return em(tx).findOne(SecretRecord, { id }, { disableIdentityMap: true });
    const [row] = await this.db.read.select(SecretRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  applicable(lookup: SecretLookup, match: { kind: SecretKind } | { name: string }): Promise<SecretRecord[]> {
    const matching = "kind" in match ? sql("kind = ?", [match.kind]) : sql("name = ?", [match.name]);
    return this.db.read.select(SecretRecord, and(matching, scopesOf(lookup)));
  }

  async changeIfVersion(id: string, version: number, change: SecretChange): Promise<boolean> {
    const changed = await this.db
      .fork()
      .nativeUpdate(SecretRecord, { id, version }, { ...change, version: version + 1 });
    return changed === 1;
  }

  async recordUse(id: string, use: SecretUseRecord): Promise<void> {
    await this.db
      .fork()
      .nativeUpdate(
        SecretRecord,
        { id },
        { lastUsedAt: use.at, lastUsedByToolCallId: use.toolCallId, lastUsedFor: use.purpose },
      );
  }

  async delete(tx: TransactionHandle, id: string): Promise<boolean> {
    return (await em(tx).nativeDelete(SecretRecord, { id })) === 1;
  }

  page(filter: SecretListFilter, range: Keyset): Promise<SecretRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(SecretRecord, and(filterWhere(filter), where), { orderBy, limit });
  }

  count(filter: SecretListFilter): Promise<number> {
    return this.db.read.count(SecretRecord, filterWhere(filter));
  }

  wrappedByOtherKeys(masterKeyId: string, afterId: string | null, limit: number): Promise<SecretRecord[]> {
    const where = and(sql("master_key_id <> ?", [masterKeyId]), afterId === null ? null : sql("id > ?", [afterId]));
    return this.db.read.select(SecretRecord, where, { orderBy: "id asc", limit });
  }

  async ownerExists(scope: "AGENT" | "TASK", id: string): Promise<boolean> {
    const table = scope === "AGENT" ? AgentRecord : TaskRecord;
    return (await this.db.read.count(table as typeof AgentRecord, sql("id = ?", [id]))) > 0;
  }
}
