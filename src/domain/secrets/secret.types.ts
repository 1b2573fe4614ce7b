/** What a secret is for: tools and services look a secret up by its kind and scope. */
export const secretKinds = [
  "GITHUB_TOKEN",
  "GITHUB_APP_PRIVATE_KEY",
  "GITHUB_WEBHOOK_SECRET",
  "SMTP_PASSWORD",
  "WEBHOOK_SIGNING_SECRET",
  "MODEL_API_KEY",
  "OTHER",
] as const;
export type SecretKind = (typeof secretKinds)[number];

/**
 * Who a secret is for: everyone, one agent's tasks, or one task; SUBSCRIPTION: one notification
 * subscription's own webhook signing secret (made by subscribeNotifications, read by its id only,
 * never found by a lookup of its kind).
 */
export const secretScopes = ["GLOBAL", "AGENT", "TASK", "SUBSCRIPTION"] as const;
export type SecretScope = (typeof secretScopes)[number];

/** Where a secret is wanted: the most specific match wins (TASK, then AGENT, then GLOBAL). */
export interface SecretLookup {
  taskId?: string | null;
  agentId?: string | null;
}

/** Who used a secret, recorded with it (`lastUsedAt`, `lastUsedByToolCallId`, `lastUsedFor`). */
export interface SecretUse {
  toolCallId: string | null;
  /** e.g. "gitPush", "githubCreatePullRequest", "webhook signature". */
  purpose: string;
}

/**
 * How tools and services read secrets: a value is decrypted only here, at the moment of use, and
 * never kept (callers hold it for the one call that needs it).
 */
export interface SecretReader {
  /** The most specific secret of `kind` for the scope, decrypted; null when there is none. Records the use. */
  reveal(kind: SecretKind, scope: SecretLookup, use: SecretUse): Promise<string | null>;
  /** The secret with this id, decrypted (a subscription's own signing secret); null when it is gone. Records the use. */
  revealById(id: string, use: SecretUse): Promise<string | null>;
  /**
   * Checks something against the most specific secret of `kind` without handing its value out
   * (a webhook's signature): null when there is no such secret, else what `matches` says. The use
   * is recorded only when it matched, so a stranger's failed attempts write nothing.
   */
  verify(
    kind: SecretKind,
    scope: SecretLookup,
    use: SecretUse,
    matches: (value: string) => boolean,
  ): Promise<boolean | null>;
}
