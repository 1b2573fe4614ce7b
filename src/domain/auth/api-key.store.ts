import type { ApiKeyRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";

/** Where API keys live (implemented in src/infra/db/stores). Only the secret's hash is stored. */
export interface ApiKeyStore {
  insert(tx: TransactionHandle, key: ApiKeyRecord): Promise<void>;
  /** In `tx` when given (and then as of that transaction). */
  get(id: string, tx?: TransactionHandle): Promise<ApiKeyRecord | null>;
  byHash(hash: string, tx?: TransactionHandle): Promise<ApiKeyRecord | null>;
  /** Oldest first. */
  list(includeRevoked: boolean): Promise<ApiKeyRecord[]>;
  update(
    tx: TransactionHandle | null,
    id: string,
    changes: Partial<Pick<ApiKeyRecord, "revokedAt" | "lastUsedAt" | "role" | "source" | "agentId">>,
  ): Promise<void>;
  /** Keys of `source` that are not revoked. */
  activeOfSource(tx: TransactionHandle, source: ApiKeyRecord["source"]): Promise<ApiKeyRecord[]>;
  countActiveAdmins(tx: TransactionHandle): Promise<number>;
  /** Whether the agent exists (an AGENT key must name one). */
  agentExists(tx: TransactionHandle, agentId: string): Promise<boolean>;
  /** Holds `tx` until no other process bootstraps the admin key (one at a time). */
  lockBootstrap(tx: TransactionHandle): Promise<void>;
}
