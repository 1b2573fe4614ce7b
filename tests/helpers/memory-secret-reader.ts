/**
 * A SecretReader over plain values, for tests of what reads secrets (the GitHub connection, git):
 * the most specific secret wins (TASK, then AGENT, then GLOBAL), as the store's; every reveal is
 * recorded (kind, lookup, use) so a test sees what was asked for and as what. The store itself
 * (encryption, rotation) is tested on its own.
 */
import type {
  SecretKind,
  SecretLookup,
  SecretReader,
  SecretScope,
  SecretUse,
} from "../../src/domain/secrets/secret.types.js";

export interface MemorySecret {
  kind: SecretKind;
  scope: SecretScope;
  /** The task or agent id (null for GLOBAL). */
  scopeId: string | null;
  value: string;
}

export class MemorySecretReader implements SecretReader {
  readonly secrets: MemorySecret[] = [];
  readonly reveals: Array<{ kind: SecretKind; lookup: SecretLookup; use: SecretUse }> = [];

  set(kind: SecretKind, value: string, scope: SecretScope = "GLOBAL", scopeId: string | null = null): this {
    const at = this.secrets.findIndex((s) => s.kind === kind && s.scope === scope && s.scopeId === scopeId);
    if (at >= 0) this.secrets.splice(at, 1);
    this.secrets.push({ kind, scope, scopeId, value });
    return this;
  }

  delete(kind: SecretKind, scope: SecretScope = "GLOBAL", scopeId: string | null = null): void {
    const at = this.secrets.findIndex((s) => s.kind === kind && s.scope === scope && s.scopeId === scopeId);
    if (at >= 0) this.secrets.splice(at, 1);
  }

  async verify(
    kind: SecretKind,
    lookup: SecretLookup,
    use: SecretUse,
    matches: (value: string) => boolean,
  ): Promise<boolean | null> {
    const value = await this.reveal(kind, lookup, use);
    return value === null ? null : matches(value);
  }

  /** By id: a SUBSCRIPTION secret's id is its scopeId here. */
  async revealById(id: string, use: SecretUse): Promise<string | null> {
    const found = this.secrets.find((s) => s.scope === "SUBSCRIPTION" && s.scopeId === id);
    if (found) this.reveals.push({ kind: found.kind, lookup: {}, use });
    return found?.value ?? null;
  }

  async reveal(kind: SecretKind, lookup: SecretLookup, use: SecretUse): Promise<string | null> {
    this.reveals.push({ kind, lookup, use });
    const of = (scope: SecretScope, id: string | null | undefined) =>
      id === undefined || id === null
        ? undefined
        : this.secrets.find((s) => s.kind === kind && s.scope === scope && s.scopeId === id);
    const found =
      of("TASK", lookup.taskId) ??
      of("AGENT", lookup.agentId) ??
      this.secrets.find((s) => s.kind === kind && s.scope === "GLOBAL");
    return found?.value ?? null;
  }
}
