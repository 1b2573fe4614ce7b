/**
 * Disk space a workspace may take, and the free space the data filesystem keeps. Everything in a
 * workspace counts (its files, its venv, what its commands write): the file tools and uploads
 * check before they write, a run is refused when its workspace is already over, and a running
 * command is watched (every DISK_CHECK_MS) and stopped with LIMIT_EXCEEDED (limit: disk) once it
 * crosses either line. Writes are refused until the workspace is under its quota again.
 */
import type { RunGuard } from "../../infra/sandbox/sandbox.js";
import { workspaceUsage } from "./files.js";
import { assertFreeSpace, freeBytesAt, overQuota } from "./free-space.js";

export interface DiskLimits {
  /** Everything in one workspace (WORKSPACE_MAX_BYTES). */
  maxWorkspaceBytes: number;
  /** Free space the filesystem keeps (DISK_MIN_FREE_BYTES); 0: no floor. */
  minFreeBytes: number;
}

/** How often a running command's workspace is measured. */
export const DISK_CHECK_MS = 1_000;

/** Throws LIMIT_EXCEEDED unless the workspace at `root` is within its quota and the disk above its floor. */
export async function assertRoomFor(root: string, limits: DiskLimits): Promise<void> {
  await assertFreeSpace(root, limits);
  if ((await workspaceUsage(root)) > limits.maxWorkspaceBytes) throw overQuota(limits.maxWorkspaceBytes);
}

/** Watches a running command's workspace: `disk` once it is over its quota or the disk under its floor. */
export function diskGuard(root: string, limits: DiskLimits): RunGuard {
  return {
    everyMs: DISK_CHECK_MS,
    async check() {
      if (limits.minFreeBytes > 0 && (await freeBytesAt(root)) < limits.minFreeBytes) return "disk";
      return (await workspaceUsage(root)) > limits.maxWorkspaceBytes ? "disk" : null;
    },
  };
}
