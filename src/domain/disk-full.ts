import { DomainError } from "./errors.js";

/**
 * A write that failed because the disk is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full
 * (SQLSTATE 53100), or the filesystem's ENOSPC / EDQUOT, wherever it is wrapped (MikroORM and
 * knex keep the driver's error as `cause` or `previous`).
 */
export function isDiskFull(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
  if (e.code === "SQLITE_FULL" || e.code === "ENOSPC" || e.code === "EDQUOT" || e.code === "53100") return true;
  if (typeof e.message === "string" && /SQLITE_FULL|database or disk is full|No space left on device/.test(e.message)) {
    return true;
  }
  return isDiskFull(e.cause, depth + 1) || isDiskFull(e.previous, depth + 1);
}

/** What a caller gets when its change could not be written for want of disk space. */
export const diskFull = new DomainError(
  "LIMIT_EXCEEDED",
  "The disk is full: the change was not written. Nothing is lost; try again once space is freed",
  { limit: "disk" },
);
