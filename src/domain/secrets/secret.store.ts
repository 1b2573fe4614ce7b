import type { SecretRecord } from "../records.js";
import type { Keyset } from "../shared/pagination.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { SecretKind, SecretLookup, SecretScope } from "./secret.types.js";

/** Which secrets a list shows: null fields do not filter. */
export interface SecretListFilter {
  kind: SecretKind | null;
  scope: SecretScope | null;
}

/** What a change of a secret's value or wrapping writes (the version is bumped with it). */
export type SecretChange = Partial<
  Pick<SecretRecord, "ciphertext" | "wrappedKey" | "masterKeyId" | "last4" | "updatedAt">
>;

/** One use of a secret, recorded on its row. */
export interface SecretUseRecord {
  at: Date;
  toolCallId: string | null;
  purpose: string;
}

/**
 * Where secrets live (implemented in src/infra/db/stores/secret.store.ts). Names are unique per
 * (scope, scopeId): a clash is CONFLICT on `name`.
 */
export interface SecretStore {
  insert(tx: TransactionHandle, secret: SecretRecord): Promise<void>;
  get(id: string, tx?: TransactionHandle): Promise<SecretRecord | null>;
  /** The secrets that apply to `lookup`: of the task (TASK), of the agent (AGENT) and GLOBAL ones. */
  applicable(lookup: SecretLookup, match: { kind: SecretKind } | { name: string }): Promise<SecretRecord[]>;
  /** Applies `change` when the row is still at `version`; false when it has changed (or is gone) since. */
  changeIfVersion(id: string, version: number, change: SecretChange): Promise<boolean>;
  recordUse(id: string, use: SecretUseRecord): Promise<void>;
  /** Deletes the row in `tx`; false when there was none. */
  delete(tx: TransactionHandle, id: string): Promise<boolean>;
  /** One keyset page, newest first (see pagination.ts). */
  page(filter: SecretListFilter, range: Keyset): Promise<SecretRecord[]>;
  count(filter: SecretListFilter): Promise<number>;
  /** Up to `limit` secrets whose data key is not wrapped by `masterKeyId`, in id order, after `afterId`. */
  wrappedByOtherKeys(masterKeyId: string, afterId: string | null, limit: number): Promise<SecretRecord[]>;
  /** Whether the agent or task an AGENT or TASK secret names exists. */
  ownerExists(scope: "AGENT" | "TASK", id: string): Promise<boolean>;
}
