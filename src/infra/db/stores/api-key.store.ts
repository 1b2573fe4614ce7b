import type { SqlEntityManager } from "@mikro-orm/knex";
import type { ApiKeyStore } from "../../../domain/auth/api-key.store.js";
import { AgentRecord, ApiKeyRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";

/** The API key store on SQLite or PostgreSQL. */
export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Database) {}

  private em(tx?: TransactionHandle | null): SqlEntityManager {
    return (tx as SqlEntityManager | undefined | null) ?? this.db.fork();
  }

  async insert(tx: TransactionHandle, key: ApiKeyRecord): Promise<void> {
    await this.em(tx).insert(ApiKeyRecord, key);
  }

  get(id: string, tx?: TransactionHandle): Promise<ApiKeyRecord | null> {
    return this.em(tx).findOne(ApiKeyRecord, { id }, { disableIdentityMap: true });
  }

  byHash(hash: string, tx?: TransactionHandle): Promise<ApiKeyRecord | null> {
    return this.em(tx).findOne(ApiKeyRecord, { keyHash: hash }, { disableIdentityMap: true });
  }

  list(includeRevoked: boolean): Promise<ApiKeyRecord[]> {
    return this.db.fork().find(ApiKeyRecord, includeRevoked ? {} : { revokedAt: null }, {
      orderBy: { id: "asc" },
      disableIdentityMap: true,
    });
  }

  async update(
    tx: TransactionHandle | null,
    id: string,
    changes: Partial<Pick<ApiKeyRecord, "revokedAt" | "lastUsedAt" | "role" | "source" | "agentId">>,
  ): Promise<void> {
    await this.em(tx).nativeUpdate(ApiKeyRecord, { id }, changes);
  }

  activeOfSource(tx: TransactionHandle, source: ApiKeyRecord["source"]): Promise<ApiKeyRecord[]> {
    return this.em(tx).find(ApiKeyRecord, { source, revokedAt: null }, { disableIdentityMap: true });
  }

  countActiveAdmins(tx: TransactionHandle): Promise<number> {
    return this.em(tx).count(ApiKeyRecord, { role: "ADMIN", revokedAt: null });
  }

  async agentExists(tx: TransactionHandle, agentId: string): Promise<boolean> {
    return (await this.em(tx).findOne(AgentRecord, { id: agentId }, { fields: ["id"] })) !== null;
  }

  async lockBootstrap(tx: TransactionHandle): Promise<void> {
    // SQLite has one writer: its transaction is the lock already.
    if (this.db.dialect === "postgresql") {
      await this.em(tx).execute("select pg_advisory_xact_lock(hashtext('agent_system_admin_bootstrap'))");
    }
  }
}
