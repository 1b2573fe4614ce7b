import { badInput } from "../errors.js";
import { isId } from "../ids.js";
import { limits } from "../terms.js";
import { checkAll } from "./validate.js";

/**
 * Relay's connection arguments. Lists are ordered newest first: `first`/`after` walk towards
 * older items, `last`/`before` towards newer ones.
 */
export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

/** What a store reads for one page: ids strictly between the bounds, in one order, at most `limit`. */
export interface Keyset {
  /** Only ids below this one (items older than the `after` cursor's). */
  olderThan: string | null;
  /** Only ids above this one (items newer than the `before` cursor's). */
  newerThan: string | null;
  /** Read order: newest first (forward paging), or oldest first (backward, reversed after). */
  newestFirst: boolean;
  /** The page size plus one, to learn whether more items lie beyond the page. */
  limit: number;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
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

const given = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/**
 * The store read for Relay's arguments (the spec's algorithm: the cursors bound the list, then
 * `first` takes from its start or `last` from its end). `first` and `last` together are refused;
 * with neither, the first 20.
 */
export function keyset(args: PageArgs): Keyset {
  const backward = given(args.last);
  const { size, olderThan, newerThan } = checkAll({
    size: () => {
      if (backward && given(args.first)) throw badInput("last", "cannot be given together with first");
      return backward ? pageSize(args.last, "last") : pageSize(args.first, "first");
    },
    olderThan: () => (given(args.after) ? decodeCursor(args.after, "after") : null),
    newerThan: () => (given(args.before) ? decodeCursor(args.before, "before") : null),
  });
  return { olderThan, newerThan, newestFirst: !backward, limit: size + 1 };
}

/**
 * The page of `rows` read for `range`. Of the two "is there more" flags, the one in the
 * direction of travel is exact (the extra row read); the other says whether the cursor the page
 * starts from was given (its item lies behind the page), as the Relay spec allows ("if it can do
 * so efficiently").
 */
export function toPage<T extends { id: string }>(rows: T[], range: Keyset, totalCount: () => Promise<number>): Page<T> {
  const size = range.limit - 1;
  const more = rows.length > size;
  const taken = rows.slice(0, size);
  const nodes = range.newestFirst ? taken : taken.reverse();
  return {
    nodes,
    cursors: nodes.map((n) => encodeCursor(n.id)),
    hasNextPage: range.newestFirst ? more : range.newerThan !== null,
    hasPreviousPage: range.newestFirst ? range.olderThan !== null : more,
    totalCount,
  };
}
