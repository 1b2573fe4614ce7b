import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiKeyRecord } from "../records.js";
import { badInput, conflict, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { limits, roles, type Role } from "../terms.js";
import type { Deps } from "../shared/deps.js";
import { checkAll, oneOf, text } from "../shared/validate.js";
import type { ApiKeyStore } from "./api-key.store.js";
import type { Principal } from "./principal.js";

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  agentId?: string | null;
}

const KEY_PREFIX = "ak_";
/** How often lastUsedAt is written for one key: reads must not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashKey = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** 32 random bytes, base64url, with a recognisable prefix (secret scanners can match it). */
export const generateKey = (): string => KEY_PREFIX + randomBytes(32).toString("base64url");

/**
 * Authenticated keys are remembered for a few seconds so that a request costs no key lookup.
 * A revocation evicts the key at once in this process (revoke() below) and, through the
 * API_KEY_REVOKED message, in every other process; the TTL bounds staleness should a
 * message be lost while a pub/sub connection reconnects.
 */
const AUTH_CACHE_TTL_MS = 5_000;
const AUTH_CACHE_MAX = 10_000;

export class ApiKeyService {
  private readonly touched = new Map<string, number>();
  private readonly authCache = new Map<string, { principal: Principal; expires: number }>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: Deps,
    private readonly store: ApiKeyStore,
  ) {
    this.unsubscribe = deps.pubsub.subscribe("API_KEY_REVOKED", ({ apiKeyId }) => this.forget(apiKeyId));
  }

  /** Drops a key from the authentication cache. */
  forget(apiKeyId: string): void {
    for (const [hash, entry] of this.authCache) {
      if (entry.principal.apiKeyId === apiKeyId) this.authCache.delete(hash);
    }
  }

  close(): void {
    this.unsubscribe();
    this.authCache.clear();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Creates a key; the secret is returned here once and never stored. */
  async create(input: CreateApiKeyInput): Promise<{ key: string; apiKey: ApiKeyRecord }> {
    const { name, role } = checkAll({
      name: () => text("name", input.name, { min: 1, max: limits.nameLength }),
      role: () => oneOf("role", input.role, roles),
    });
    const agentId = input.agentId ?? null;
    if (role === "AGENT" && !agentId) throw badInput("agentId", "is required for an AGENT key");
    if (role !== "AGENT" && agentId) throw badInput("agentId", "may only be set for an AGENT key");
    const key = generateKey();
    const apiKey = Object.assign(new ApiKeyRecord(), {
      id: newId(),
      name,
      role,
      keyHash: hashKey(key),
      prefix: key.slice(0, 10),
      agentId,
      source: "API" as const,
      createdAt: this.now(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.deps.transact(async (tx) => {
      if (agentId && !(isId(agentId) && (await this.store.agentExists(tx, agentId)))) {
        throw notFound("Agent", agentId, "agentId");
      }
      await this.store.insert(tx, apiKey);
    });
    return { key, apiKey };
  }

  /** Revokes at once: the key leaves every process's cache and open sockets close on the event. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    const revoked = await this.deps.transact(async (tx, out) => {
      const apiKey = isId(id) ? await this.store.get(id, tx) : null;
      if (!apiKey) throw notFound("API key", id);
      if (apiKey.revokedAt) throw conflict("This API key is already revoked", "id");
      apiKey.revokedAt = this.now();
      await this.store.update(tx, apiKey.id, { revokedAt: apiKey.revokedAt });
      out.push({ topic: "API_KEY_REVOKED", payload: { apiKeyId: apiKey.id } });
      return apiKey;
    });
    this.forget(revoked.id);
    return revoked;
  }

  list(includeRevoked: boolean): Promise<ApiKeyRecord[]> {
    return this.store.list(includeRevoked);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    return isId(id) ? this.store.get(id) : null;
  }

  /** The principal for a presented secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (secret.length < 16 || secret.length > 512) return null;
    const hash = hashKey(secret);
    const cached = this.authCache.get(hash);
    if (cached && cached.expires > Date.now()) {
      this.touch(cached.principal.apiKeyId);
      return cached.principal;
    }
    this.authCache.delete(hash);
    const row = await this.store.byHash(hash);
    if (!row || row.revokedAt) return null;
    if (!timingSafeEqual(Buffer.from(row.keyHash), Buffer.from(hash))) return null;
    this.touch(row.id);
    const principal: Principal = { apiKeyId: row.id, name: row.name, role: row.role, agentId: row.agentId };
    if (this.authCache.size >= AUTH_CACHE_MAX) {
      const oldest = this.authCache.keys().next();
      if (!oldest.done) this.authCache.delete(oldest.value);
    }
    this.authCache.set(hash, { principal, expires: Date.now() + AUTH_CACHE_TTL_MS });
    return principal;
  }

  private touch(id: string): void {
    const now = Date.now();
    const last = this.touched.get(id) ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now);
    this.store
      .update(null, id, { lastUsedAt: new Date(now) })
      .catch((err: unknown) => this.deps.logger.warn({ err }, "could not record API key use"));
  }

  /**
   * Makes sure an administrator can get in. With ADMIN_API_KEY set, that value is an admin
   * key (replacing an earlier ADMIN_API_KEY). Otherwise, when no usable admin key exists, a new
   * one is written to DATA_DIR/admin.key (mode 0600) and returned so the caller can show it once.
   */
  async bootstrap(opts: {
    adminApiKey: string | undefined;
    dataDir: string;
  }): Promise<{ created: string | null; file: string | null }> {
    const file = join(opts.dataDir, "admin.key");
    return this.deps.transact(async (tx) => {
      // Processes starting together bootstrap one at a time.
      await this.store.lockBootstrap(tx);
      if (opts.adminApiKey) {
        const hash = hashKey(opts.adminApiKey);
        let current = false;
        for (const k of await this.store.activeOfSource(tx, "ENV")) {
          if (k.keyHash === hash) current = true;
          else await this.store.update(tx, k.id, { revokedAt: this.now() });
        }
        if (!current) {
          const existing = await this.store.byHash(hash, tx);
          if (existing) {
            await this.store.update(tx, existing.id, { role: "ADMIN", revokedAt: null, source: "ENV", agentId: null });
          } else {
            await this.store.insert(
              tx,
              Object.assign(new ApiKeyRecord(), {
                id: newId(),
                name: "ADMIN_API_KEY",
                role: "ADMIN" as const,
                keyHash: hash,
                prefix: opts.adminApiKey.slice(0, 4) + "…",
                agentId: null,
                source: "ENV" as const,
                createdAt: this.now(),
                lastUsedAt: null,
                revokedAt: null,
              }),
            );
          }
        }
        return { created: null, file: null };
      }
      if ((await this.store.countActiveAdmins(tx)) > 0) return { created: null, file: existsSync(file) ? file : null };
      const key = generateKey();
      await this.store.insert(
        tx,
        Object.assign(new ApiKeyRecord(), {
          id: newId(),
          name: "bootstrap admin",
          role: "ADMIN" as const,
          keyHash: hashKey(key),
          prefix: key.slice(0, 10),
          agentId: null,
          source: "FILE" as const,
          createdAt: this.now(),
          lastUsedAt: null,
          revokedAt: null,
        }),
      );
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return { created: key, file };
    });
  }
}

/** Reads DATA_DIR/admin.key if present (for tests and tooling). */
export function readAdminKeyFile(dataDir: string): string | null {
  const file = join(dataDir, "admin.key");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}
