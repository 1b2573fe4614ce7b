import type { FieldProblem } from "../errors.js";
import { isId } from "../ids.js";
import { secretKinds, secretScopes, type SecretKind, type SecretScope } from "./secret.types.js";

/** A secret's name: a letter or digit, then up to 99 letters, digits, `_`, `.` or `-`. */
export const secretNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** The largest value, in UTF-8 bytes (a GitHub App's private key is about 1.7 KB). */
export const maxSecretValueBytes = 64 * 1024;

export interface CreateSecretInput {
  name: string;
  kind: SecretKind;
  value: string;
  scope: SecretScope;
  /** The agent of an AGENT secret, the task of a TASK secret; none for GLOBAL. */
  scopeId?: string | null;
}

/** A secret's fields, checked; the value is never quoted in a problem. */
export interface CheckedSecretInput {
  name: string;
  kind: SecretKind;
  value: string;
  scope: SecretScope;
  /** "" for GLOBAL (the stored form). */
  scopeId: string;
}

/** What is wrong with a value, or null: 1 byte to 64 KiB of UTF-8. Never quotes the value. */
export function valueProblem(value: unknown, path = "value"): FieldProblem | null {
  if (typeof value !== "string") return { path, message: "must be a string" };
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes === 0) return { path, message: "must not be empty" };
  if (bytes > maxSecretValueBytes) {
    return { path, message: `must be at most ${maxSecretValueBytes} bytes of UTF-8 (got ${bytes})` };
  }
  return null;
}

/**
 * Every problem of a new secret's fields that can be seen without the database (the owner's
 * existence is checked by the service). Paths name the input's fields (`name`, `scopeId`, …).
 */
export function secretInputProblems(input: CreateSecretInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (typeof input.name !== "string" || !secretNamePattern.test(input.name)) {
    add(
      "name",
      "must be 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit (e.g. github-token)",
    );
  }
  if (!(secretKinds as readonly string[]).includes(input.kind)) add("kind", `must be one of ${secretKinds.join(", ")}`);
  const value = valueProblem(input.value);
  if (value) add("value", value.message);
  const scopeId = input.scopeId ?? null;
  if (!(secretScopes as readonly string[]).includes(input.scope)) {
    add("scope", `must be one of ${secretScopes.join(", ")}`);
  } else if (input.scope === "SUBSCRIPTION") {
    add("scope", "SUBSCRIPTION secrets are set by subscribeNotifications (its signingSecret)");
  } else if (input.scope === "GLOBAL" && scopeId !== null && scopeId !== "") {
    add("scopeId", "must not be given for a GLOBAL secret");
  } else if (input.scope !== "GLOBAL" && (scopeId === null || scopeId === "")) {
    add("scopeId", `is required for ${input.scope === "AGENT" ? "an AGENT" : "a TASK"} secret`);
  } else if (input.scope !== "GLOBAL" && !isId(scopeId ?? "")) {
    add("scopeId", `must be the id of ${input.scope === "AGENT" ? "an agent" : "a task"}`);
  }
  return problems;
}

/**
 * The characters a list shows of a value: its last four, fewer for a value shorter than 12
 * characters (a third of it at most), none for one shorter than 3.
 */
export function lastCharacters(value: string): string {
  const chars = Array.from(value);
  const shown = Math.min(4, Math.floor(chars.length / 3));
  return shown === 0 ? "" : chars.slice(-shown).join("");
}
