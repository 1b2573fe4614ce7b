import { badInput } from "../errors.js";
import { isId } from "../ids.js";
import { limits } from "../terms.js";

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export const encodeCursor = (id: string): string => Buffer.from(`v1:${id}`).toString("base64url");

export function decodeCursor(cursor: string, field = "after"): string {
  const raw = cursor.length <= 64 ? Buffer.from(cursor, "base64url").toString() : "";
  const id = raw.startsWith("v1:") ? raw.slice(3) : "";
  if (!isId(id)) throw badInput(field, "is not a cursor returned by this API");
  return id;
}

export function pageSize(first: number | null | undefined, field = "first"): number {
  if (first === null || first === undefined) return limits.pageSize.default;
  if (!Number.isInteger(first) || first < 0 || first > limits.pageSize.max) {
    throw badInput(field, `must be between 0 and ${limits.pageSize.max}`);
  }
  return first;
}

/** Keyset page over time-ordered ids, newest first: fetches one row more to learn hasNextPage. */
export function toPage<T extends { id: string }>(rows: T[], size: number, totalCount: () => Promise<number>): Page<T> {
  const nodes = rows.slice(0, size);
  return {
    nodes,
    cursors: nodes.map((n) => encodeCursor(n.id)),
    hasNextPage: rows.length > size,
    totalCount,
  };
}
