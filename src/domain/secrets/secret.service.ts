import { DomainError, invalidFields, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { SecretRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { checkAll, oneOf, optional } from "../shared/validate.js";
import type { SecretCipher } from "./secret-cipher.js";
import {
  lastCharacters,
  secretInputProblems,
  valueProblem,
  type CheckedSecretInput,
  type CreateSecretInput,
} from "./secret-input.js";
import type { SecretListFilter, SecretStore } from "./secret.store.js";
import {
  secretKinds,
  secretScopes,
  type SecretKind,
  type SecretLookup,
  type SecretReader,
  type SecretScope,
  type SecretUse,
} from "./secret.types.js";

/** A secret as the API shows it: everything but the ciphertext and the wrapped key. */
export type SecretInfo = Omit<SecretRecord, "ciphertext" | "wrappedKey">;

export interface SecretListArgs extends PageArgs {
  kind?: SecretKind | null;
  scope?: SecretScope | null;
}

/** A secret rotateSecretsKey could not re-wrap, and why (its data key is altered, or its master key unknown). */
export interface UnreadableSecret {
  secret: SecretInfo;
  reason: string;
}

export interface KeyRotationResult {
  /** The master key every re-wrapped data key is now wrapped by. */
  currentKeyId: string;
  rewrapped: number;
  /** The secrets still wrapped by another key: their wrapping cannot be read with the keys configured. */
  remaining: UnreadableSecret[];
}

/** Secrets re-wrapped per read of the store. */
const ROTATION_BATCH = 100;
/** Tries per secret when a concurrent change moves its version between read and write. */
const CHANGE_TRIES = 5;
/** The longest `purpose` kept (the column's length). */
const PURPOSE_LENGTH = 100;

const scopeOrder: Record<SecretScope, number> = { SUBSCRIPTION: 0, TASK: 1, AGENT: 2, GLOBAL: 3 };

/** The most specific secret: TASK before AGENT before GLOBAL, then the newest. */
function mostSpecific(rows: readonly SecretRecord[]): SecretRecord | null {
  let best: SecretRecord | null = null;
  for (const row of rows) {
    const rank = scopeOrder[row.scope as SecretScope] ?? 3;
    const bestRank = best ? (scopeOrder[best.scope as SecretScope] ?? 3) : 4;
    if (!best || rank < bestRank || (rank === bestRank && row.id > best.id)) best = row;
  }
  return best;
}

export const secretInfo = (row: SecretRecord): SecretInfo => {
  const { ciphertext: _c, wrappedKey: _w, ...info } = row;
  return info;
};

/**
 * The secrets store: values encrypted at rest (SecretCipher), shown to people only by name, kind,
 * scope and last characters, and decrypted only in `reveal`, at the moment a tool or service uses
 * one (which is recorded on the secret). Without a master key every operation is NOT_CONFIGURED.
 */
export class SecretService implements SecretReader {
  constructor(
    private readonly deps: Deps,
    private readonly store: SecretStore,
    private readonly cipher: SecretCipher,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Whether the secret's data key is wrapped by the current master key. */
  isCurrentKey(masterKeyId: string): boolean {
    return this.cipher.isCurrentKey(masterKeyId);
  }

  async create(input: CreateSecretInput, createdBy: string | null = null): Promise<SecretInfo> {
    this.cipher.currentKeyId();
    return this.insert(await this.checkNew(input), createdBy);
  }

  /**
   * A notification subscription's own WEBHOOK_SIGNING_SECRET (scope SUBSCRIPTION): made with the
   * subscription, read by id when its webhooks are signed, deleted with it. `field` names the
   * input field a bad value is reported on.
   */
  async createForSubscription(subscriptionId: string, value: string, field: string): Promise<SecretInfo> {
    this.cipher.currentKeyId();
    const problem = valueProblem(value);
    if (problem) throw invalidFields([{ path: field, message: problem.message }]);
    return this.insert(
      {
        name: `subscription-${subscriptionId}`,
        kind: "WEBHOOK_SIGNING_SECRET",
        scope: "SUBSCRIPTION",
        scopeId: subscriptionId,
        value,
      },
      null,
    );
  }

  private async insert(checked: CheckedSecretInput, createdBy: string | null): Promise<SecretInfo> {
    const id = newId();
    const now = this.now();
    const row = Object.assign(new SecretRecord(), {
      id,
      name: checked.name,
      kind: checked.kind,
      scope: checked.scope,
      scopeId: checked.scopeId,
      ...this.cipher.seal(id, checked.value),
      last4: lastCharacters(checked.value),
      version: 1,
      createdBy: createdBy !== null && isId(createdBy) ? createdBy : null,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      lastUsedByToolCallId: null,
      lastUsedFor: null,
    });
    await this.deps.transact((tx) => this.store.insert(tx, row));
    this.deps.logger.info(
      { secretId: id, name: row.name, kind: row.kind, scope: row.scope, scopeId: row.scopeId || null },
      "secret created",
    );
    return secretInfo(row);
  }

  /**
   * A new value: a new data key, wrapped by the current master key. A bad value is reported on
   * `field` when given (a subscription's signingSecret), else on the value's own path.
   */
  async update(id: string, value: string, field?: string): Promise<SecretInfo> {
    this.cipher.currentKeyId();
    const problem = valueProblem(value);
    if (problem) throw invalidFields([field ? { path: field, message: problem.message } : problem]);
    for (let attempt = 0; attempt < CHANGE_TRIES; attempt++) {
      const row = await this.existing(id);
      const change = { ...this.cipher.seal(row.id, value), last4: lastCharacters(value), updatedAt: this.now() };
      if (await this.store.changeIfVersion(row.id, row.version, change)) {
        this.deps.logger.info({ secretId: row.id, name: row.name }, "secret value replaced");
        return secretInfo({ ...row, ...change, version: row.version + 1 });
      }
    }
    throw new DomainError("CONFLICT", "The secret kept changing while its value was replaced: try again", {
      field: "id",
    });
  }

  /** Deletes a secret; returns it as it was. */
  async delete(id: string): Promise<SecretInfo> {
    this.cipher.currentKeyId();
    const row = await this.deps.transact(async (tx) => {
      const found = isId(id) ? await this.store.get(id, tx) : null;
      if (!found || !(await this.store.delete(tx, found.id))) throw notFound("Secret", id);
      return found;
    });
    this.deps.logger.info({ secretId: row.id, name: row.name }, "secret deleted");
    return secretInfo(row);
  }

  async get(id: string): Promise<SecretInfo | null> {
    this.cipher.currentKeyId();
    const row = isId(id) ? await this.store.get(id) : null;
    return row ? secretInfo(row) : null;
  }

  /** A page of the secrets, newest first, of one kind and scope when given. */
  async list(args: SecretListArgs): Promise<Page<SecretInfo>> {
    this.cipher.currentKeyId();
    const { range, filter } = checkAll({
      range: () => keyset(args),
      filter: (): SecretListFilter => ({
        kind: optional(args.kind, (k) => oneOf("kind", k, secretKinds)),
        scope: optional(args.scope, (s) => oneOf("scope", s, secretScopes)),
      }),
    });
    const rows = await this.store.page(filter, range);
    return toPage(rows.map(secretInfo), range, () => this.store.count(filter));
  }

  /** The most specific secret of `kind` for `lookup`, decrypted now; null when there is none. Records the use. */
  async reveal(kind: SecretKind, lookup: SecretLookup, use: SecretUse): Promise<string | null> {
    this.cipher.currentKeyId();
    return this.open(mostSpecific(await this.store.applicable(lookup, { kind })), use);
  }

  /** See SecretReader.verify: the value stays here; a use is recorded only for a match. */
  async verify(
    kind: SecretKind,
    lookup: SecretLookup,
    use: SecretUse,
    matches: (value: string) => boolean,
  ): Promise<boolean | null> {
    this.cipher.currentKeyId();
    const row = mostSpecific(await this.store.applicable(lookup, { kind }));
    if (!row) return null;
    if (!matches(this.decrypt(row))) return false;
    await this.recordUse(row, use);
    return true;
  }

  async revealById(id: string, use: SecretUse): Promise<string | null> {
    this.cipher.currentKeyId();
    return this.open(isId(id) ? await this.store.get(id) : null, use);
  }

  /** As reveal, for the secret named `name` (TASK, then AGENT, then GLOBAL). */
  async revealByName(name: string, lookup: SecretLookup, use: SecretUse): Promise<string | null> {
    this.cipher.currentKeyId();
    return this.open(mostSpecific(await this.store.applicable(lookup, { name })), use);
  }

  /**
   * Re-wraps every data key that the current master key did not wrap (SECRETS_KEY_PREVIOUS
   * unwraps them meanwhile), in batches, each row only if no one changed it since it was read.
   * Values are not decrypted. Those whose wrapping cannot be read are listed in `remaining`.
   */
  async rotate(): Promise<KeyRotationResult> {
    const currentKeyId = this.cipher.currentKeyId();
    let rewrapped = 0;
    const remaining: UnreadableSecret[] = [];
    let afterId: string | null = null;
    for (;;) {
      const batch = await this.store.wrappedByOtherKeys(currentKeyId, afterId, ROTATION_BATCH);
      for (const row of batch) {
        const outcome = await this.rewrapOne(row);
        if (outcome === "rewrapped") rewrapped++;
        else if (outcome !== "done") remaining.push(outcome);
      }
      if (batch.length < ROTATION_BATCH) break;
      afterId = batch[batch.length - 1]!.id;
    }
    this.deps.logger.info({ masterKeyId: currentKeyId, rewrapped, remaining: remaining.length }, "secrets re-wrapped");
    return { currentKeyId, rewrapped, remaining };
  }

  /** One row re-wrapped; "done" when a concurrent change already left it wrapped by the current key (or deleted it). */
  private async rewrapOne(first: SecretRecord): Promise<"rewrapped" | "done" | UnreadableSecret> {
    let row: SecretRecord | null = first;
    for (let attempt = 0; attempt < CHANGE_TRIES && row; attempt++) {
      if (this.cipher.isCurrentKey(row.masterKeyId)) return "done";
      let wrapped;
      try {
        wrapped = this.cipher.rewrap(row.id, row);
      } catch (err) {
        if (err instanceof DomainError && err.code === "SECRET_UNREADABLE") {
          return { secret: secretInfo(row), reason: err.message };
        }
        throw err;
      }
      if (await this.store.changeIfVersion(row.id, row.version, wrapped)) return "rewrapped";
      row = await this.store.get(row.id);
    }
    if (!row) return "done";
    return { secret: secretInfo(row), reason: "it kept changing while it was re-wrapped: run rotateSecretsKey again" };
  }

  /** Decrypts `row` (naming it in a failure), then records the use. */
  private async open(row: SecretRecord | null, use: SecretUse): Promise<string | null> {
    if (!row) return null;
    const value = this.decrypt(row);
    await this.recordUse(row, use);
    return value;
  }

  /** The value of `row`; SECRET_UNREADABLE naming the secret when it cannot be decrypted. */
  private decrypt(row: SecretRecord): string {
    try {
      return this.cipher.open(row.id, row);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== "SECRET_UNREADABLE") throw err;
      throw new DomainError("SECRET_UNREADABLE", `Secret "${row.name}" cannot be read: ${err.message}`, {
        ...err.details,
        secretId: row.id,
        name: row.name,
      });
    }
  }

  private recordUse(row: SecretRecord, use: SecretUse): Promise<void> {
    return this.store.recordUse(row.id, {
      at: this.now(),
      toolCallId: use.toolCallId !== null && isId(use.toolCallId) ? use.toolCallId : null,
      purpose: use.purpose.slice(0, PURPOSE_LENGTH),
    });
  }

  private async existing(id: string): Promise<SecretRecord> {
    const row = isId(id) ? await this.store.get(id) : null;
    if (!row) throw notFound("Secret", id);
    return row;
  }

  /** Every problem of a new secret at once, the owner's existence included. */
  private async checkNew(input: CreateSecretInput): Promise<CheckedSecretInput> {
    const problems = secretInputProblems(input);
    const scopeId = input.scopeId ?? "";
    const owner = input.scope === "AGENT" || input.scope === "TASK" ? input.scope : null;
    if (owner && isId(scopeId) && !(await this.store.ownerExists(owner, scopeId))) {
      problems.push({
        path: "scopeId",
        message: `no ${owner === "AGENT" ? "agent" : "task"} has this id`,
      });
    }
    if (problems.length > 0) throw invalidFields(problems);
    return { name: input.name, kind: input.kind, value: input.value, scope: input.scope, scopeId };
  }
}
