/** The free space the data filesystem keeps (DISK_MIN_FREE_BYTES): see disk.ts. */
import { statfs } from "node:fs/promises";
import { DomainError } from "../../domain/errors.js";

/** Bytes an unprivileged writer may still use on the filesystem holding `path`. */
export async function freeBytesAt(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

export const overQuota = (max: number) =>
  new DomainError("LIMIT_EXCEEDED", `The workspace is over its ${max} bytes: delete files before writing more`, {
    limit: "maxWorkspaceBytes",
    max,
  });

export const underFloor = (min: number) =>
  new DomainError(
    "LIMIT_EXCEEDED",
    `The disk is almost full (less than ${min} bytes free, DISK_MIN_FREE_BYTES): nothing more is written until space is freed`,
    { limit: "minFreeBytes", max: min },
  );

/** Throws LIMIT_EXCEEDED when the filesystem is under its floor once `adding` more bytes are written. */
export async function assertFreeSpace(path: string, limits: { minFreeBytes: number }, adding = 0) {
  if (limits.minFreeBytes <= 0) return;
  if ((await freeBytesAt(path)) - adding < limits.minFreeBytes) throw underFloor(limits.minFreeBytes);
}
