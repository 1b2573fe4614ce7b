import { isModelId } from "../model-ids.js";
import { badInput, DomainError, invalidFields, type FieldProblem } from "../errors.js";

export function text(field: string, value: unknown, opts: { min?: number; max: number; trim?: boolean }): string {
  if (typeof value !== "string") throw badInput(field, "must be a string");
  const v = opts.trim === false ? value : value.trim();
  const min = opts.min ?? 0;
  if (v.length < min) throw badInput(field, min === 1 ? "must not be empty" : `must be at least ${min} characters`);
  if (v.length > opts.max) throw badInput(field, `must be at most ${opts.max} characters (got ${v.length})`);
  if (v.includes("\u0000")) throw badInput(field, "must not contain NUL characters");
  return v;
}

export function int(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw badInput(field, "must be a whole number");
  if (value < min || value > max) throw badInput(field, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** A finite number greater than 0 and at most `max`. */
export function positiveNumber(field: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw badInput(field, "must be a number");
  if (value <= 0 || value > max) throw badInput(field, `must be more than 0 and at most ${max} (got ${value})`);
  return value;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw badInput(field, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** A model id or a comma-separated fallback list of them (`openai/gpt-4o,anthropic/claude-sonnet-4.5`). */
export function modelList(field: string, value: unknown): string {
  const raw = text(field, value, { min: 1, max: 1000 });
  const models = raw.split(",").map((m) => m.trim());
  for (const m of models) {
    if (!isModelId(m)) {
      throw badInput(field, `"${m.slice(0, 60)}" is not a model id (like "openai/gpt-4o")`);
    }
  }
  return [...new Set(models)].join(",");
}

/** `check(value)` for a value that was given; null for one left out (undefined or null). */
export function optional<V, T>(value: V | null | undefined, check: (v: V) => T): T | null {
  return value === undefined || value === null ? null : check(value);
}

/**
 * Runs every check of one input, each on its own, and reports all that fail at once
 * (BAD_USER_INPUT with `fields`): a client fixes its input in one round, not one field per try.
 */
export function checkAll<T extends Record<string, () => unknown>>(checks: T): { [K in keyof T]: ReturnType<T[K]> } {
  const values: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [key, check] of Object.entries(checks)) {
    try {
      values[key] = check();
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== "BAD_USER_INPUT") throw err;
      const listed = err.details.fields as FieldProblem[] | undefined;
      problems.push(...(listed ?? [{ path: err.details.field ?? key, message: err.message }]));
    }
  }
  if (problems.length > 0) throw invalidFields(problems);
  return values as { [K in keyof T]: ReturnType<T[K]> };
}
