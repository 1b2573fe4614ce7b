/**
 * A ballast file in the data folder (as CockroachDB keeps one): RESERVE_BYTES of space held back
 * while the disk has room, given up when it is full, so that the service can always open its
 * database again (SQLite must create its -wal and -shm files to start) and write the few rows
 * that let it recover. It is made again once the disk has room for it and the floor above it.
 */
import { closeSync, openSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

export const RESERVE_BYTES = 8 * 1024 * 1024;
const NAME = ".disk-reserve";

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

const reserveSize = (dir: string): number => statSync(join(dir, NAME), { throwIfNoEntry: false })?.size ?? 0;

/** Whether the reserve is in place (not given up, nor yet to be made). */
export const hasReserve = (dir: string): boolean => reserveSize(dir) >= RESERVE_BYTES;

/** Gives the reserve up when less than `needed` bytes are free; returns whether it did. */
export function releaseReserveIfFull(dir: string, needed = 4 * 1024 * 1024): boolean {
  if (reserveSize(dir) === 0 || freeBytes(dir) >= needed) return false;
  rmSync(join(dir, NAME), { force: true });
  return true;
}

/** Makes the reserve (again) when it is missing and the disk has room for it twice over. */
export function keepReserve(dir: string): boolean {
  if (reserveSize(dir) >= RESERVE_BYTES || freeBytes(dir) < 2 * RESERVE_BYTES) return false;
  const fd = openSync(join(dir, NAME), "w", 0o600);
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    for (let n = 0; n < RESERVE_BYTES; n += chunk.length) writeSync(fd, chunk);
  } catch {
    rmSync(join(dir, NAME), { force: true }); // filled meanwhile: not this time
    return false;
  } finally {
    closeSync(fd);
  }
  return true;
}
