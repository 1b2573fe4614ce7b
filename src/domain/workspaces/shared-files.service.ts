import type { Principal } from "../auth/principal.js";
import { conflict, DomainError, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { FileChangeRecord, FileLockRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { singleProcessMutex, type PathMutex } from "./path-mutex.js";
import type { SharedFileStore } from "./shared-files.store.js";

/** lockFile's ttlSeconds: at least `min`, at most `max` (FILE_LOCK_MAX_TTL_SECONDS), `default` when not given. */
export const FILE_LOCK_TTL_SECONDS = { min: 1, max: 3600, default: 300 } as const;

/** Workspaces whose folder owner a process keeps in memory (forgotten all at once past it). */
const MAX_KNOWN_OWNERS = 10_000;

/** Live locks one workspace may hold at once (all holders together). */
export const MAX_LOCKS_PER_WORKSPACE = 1000;

/** What a FileChange says was done. */
export const fileChangeKinds = ["WRITE", "APPEND", "DELETE", "MOVE", "UPLOAD"] as const;
export type FileChangeKind = (typeof fileChangeKinds)[number];

/** Who does a file operation: the holder of its locks and the author of its changes. */
export interface FileActor {
  /** `agent:<id>` for an agent (its runtime or its key), `key:<id>` for a person's API key. */
  key: string;
  name: string;
  agentId: string | null;
  /** The task the actor works on (the workspace's task for a tool call). */
  taskId: string | null;
  /** The tool call doing it; null for an upload through the file route. */
  toolCallId: string | null;
}

/** The actor behind a caller: one holder per agent, one per person's key. */
export function fileActor(caller: Principal, at: { taskId: string | null; toolCallId: string | null }): FileActor {
  const key = caller.agentId ? `agent:${caller.agentId}` : `key:${caller.apiKeyId || caller.name}`;
  return { key, name: caller.name, agentId: caller.agentId, ...at };
}

/** Whether a lock on `a` covers `b` or the other way round: the same path, or one is under the other. */
export const pathsOverlap = (a: string, b: string): boolean =>
  a === b || a === "." || b === "." || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);

/** CONFLICT naming the lock that stands in the way of `path`: its holder, path and expiry. */
export function lockedError(lock: FileLockRecord, path: string): DomainError {
  const on = lock.path === path ? "" : ` (its lock on ${JSON.stringify(lock.path)})`;
  return new DomainError(
    "CONFLICT",
    `${JSON.stringify(path)} is locked by ${lock.holderName}${on} until ${lock.expiresAt.toISOString()}`,
    {
      field: "path",
      reason: "locked",
      lockedPath: lock.path,
      lockHolder: lock.holderName,
      lockHolderAgentId: lock.holderAgentId,
      lockExpiresAt: lock.expiresAt.toISOString(),
    },
  );
}

/** A change to record: what the file operation did, the actor adds who. */
export type NewFileChange = Pick<FileChangeRecord, "kind" | "path" | "fromPath" | "version" | "sizeBytes">;

/**
 * Several tasks and agents in one workspace: advisory locks that expire, and every change a file
 * tool makes recorded with who made it (docs/collaboration.md, "Shared workspaces").
 *
 * - A lock is on a normalised path relative to the workspace (links resolved when it is taken) and
 *   covers what lies under it; "." covers the whole workspace. Another holder's lock on a path, on
 *   a folder above it or on anything under it makes a file tool's write, delete or move of that
 *   path fail with CONFLICT (details: lockHolder, lockedPath, lockExpiresAt). Commands in the
 *   sandbox are not held back: the lock is advisory.
 * - Taking a lock the holder has already renews it (expiry = now + ttl). Expired locks count for
 *   nothing and are deleted by the next lockFile or unlockFile in their workspace.
 * - Two holders racing for overlapping paths: each inserts its row, then looks for the other's;
 *   one that finds an overlapping lock of someone else deletes its own and fails. Both may fail,
 *   never both hold.
 */
export class SharedFilesService {
  constructor(
    private readonly deps: Pick<Deps, "now">,
    private readonly store: SharedFileStore,
    private readonly mutex: PathMutex = singleProcessMutex,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Each workspace's folder owner, once looked up: it never changes (a task shares its parent's
   * folder or not from its creation, and a task keeps its workspace row when reassigned), so a
   * write asks the database once per workspace, not twice per write (guard, then recordChange).
   */
  private readonly owners = new Map<string, string>();

  private async folderOwner(workspaceId: string): Promise<string> {
    const known = this.owners.get(workspaceId);
    if (known) return known;
    const owner = await this.store.folderOwner(workspaceId);
    if (this.owners.size >= MAX_KNOWN_OWNERS) this.owners.clear();
    this.owners.set(workspaceId, owner);
    return owner;
  }

  private async clash(workspaceId: string, paths: readonly string[], actor: FileActor, now: Date, except?: string) {
    const live = await this.store.activeLocks(workspaceId, now, MAX_LOCKS_PER_WORKSPACE + 1);
    for (const path of paths) {
      const lock = live.find((l) => l.holderKey !== actor.key && l.id !== except && pathsOverlap(l.path, path));
      if (lock) return { lock, path, live };
    }
    return { lock: null, path: null, live };
  }

  /** Takes (or renews) the lock on `path` (normalised, links resolved) for `ttlSeconds`. */
  async lock(workspace: string, path: string, ttlSeconds: number, actor: FileActor): Promise<FileLockRecord> {
    const workspaceId = await this.folderOwner(workspace);
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.now();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
      await this.store.deleteExpiredLocks(workspaceId, now);
      const before = await this.clash(workspaceId, [path], actor, now);
      if (before.lock) throw lockedError(before.lock, path);
      const renewal = { expiresAt, toolCallId: actor.toolCallId, taskId: actor.taskId, updatedAt: now };
      if (await this.store.renewLock(workspaceId, path, actor.key, renewal)) {
        const renewed = await this.store.lockOn(workspaceId, path);
        if (renewed) return renewed;
        continue;
      }
      if (before.live.length >= MAX_LOCKS_PER_WORKSPACE) {
        throw new DomainError(
          "LIMIT_EXCEEDED",
          `A workspace may hold at most ${MAX_LOCKS_PER_WORKSPACE} locks at once; unlock some first`,
          { limit: "locksPerWorkspace", max: MAX_LOCKS_PER_WORKSPACE },
        );
      }
      const row = Object.assign(new FileLockRecord(), {
        id: newId(),
        workspaceId,
        path,
        holderKey: actor.key,
        holderName: actor.name,
        holderAgentId: actor.agentId,
        taskId: actor.taskId,
        toolCallId: actor.toolCallId,
        expiresAt,
        createdAt: now,
        updatedAt: now,
      });
      if (!(await this.store.insertLock(row))) continue; // someone else's lock on the path came first
      const after = await this.clash(workspaceId, [path], actor, now, row.id);
      if (after.lock) {
        await this.store.deleteLockById(row.id);
        throw lockedError(after.lock, path);
      }
      return row;
    }
    throw conflict(`${JSON.stringify(path)} is being locked and unlocked by others right now; retry`, "path");
  }

  /** Releases the caller's lock on `path`; false when there was no live lock on it. */
  async unlock(workspace: string, path: string, actor: FileActor): Promise<boolean> {
    const workspaceId = await this.folderOwner(workspace);
    const now = this.now();
    await this.store.deleteExpiredLocks(workspaceId, now);
    const lock = await this.store.lockOn(workspaceId, path);
    if (!lock || lock.expiresAt <= now) return false;
    if (lock.holderKey !== actor.key) throw lockedError(lock, path);
    return this.store.deleteLock(workspaceId, path, actor.key);
  }

  /** The live locks in the workspace's folder, oldest first. */
  async locks(workspace: string): Promise<FileLockRecord[]> {
    return this.store.activeLocks(await this.folderOwner(workspace), this.now(), MAX_LOCKS_PER_WORKSPACE);
  }

  /** Throws CONFLICT (lockedError) when another holder's live lock covers any of `paths`. */
  async assertWritable(workspace: string, paths: readonly string[], actor: FileActor): Promise<void> {
    const { lock, path } = await this.clash(await this.folderOwner(workspace), paths, actor, this.now());
    if (lock && path !== null) throw lockedError(lock, path);
  }

  /**
   * Runs `change` to `paths` of a workspace unless another holder's lock covers one of them
   * (CONFLICT), holding the paths against other processes meanwhile (PathMutex: keyed by the
   * workspace's directory, so workspaces that share one directory share the keys).
   */
  async guard<T>(
    workspace: { id: string; root: string },
    paths: readonly string[],
    actor: FileActor,
    change: () => Promise<T>,
  ): Promise<T> {
    await this.assertWritable(workspace.id, paths, actor);
    return this.mutex.run(
      paths.map((p) => `${workspace.root}\0${p}`),
      change,
    );
  }

  /** Frees what the path mutex holds (its connection). */
  close(): Promise<void> {
    return this.mutex.close();
  }

  /** Records a change `actor` made to the workspace (under the workspace whose folder it is). */
  async recordChange(workspace: string, change: NewFileChange, actor: FileActor): Promise<FileChangeRecord> {
    const row = Object.assign(new FileChangeRecord(), {
      id: newId(),
      workspaceId: await this.folderOwner(workspace),
      ...change,
      sha256: change.version?.startsWith("sha256:") ? change.version.slice(7) : null,
      agentId: actor.agentId,
      callerName: actor.name,
      toolCallId: actor.toolCallId,
      taskId: actor.taskId,
      at: this.now(),
    });
    await this.store.insertChange(row);
    return row;
  }

  /** The changes in a workspace's folder (those of every task sharing it), newest first (Relay paging). */
  async changes(workspace: string, args: PageArgs): Promise<Page<FileChangeRecord>> {
    if (!isId(workspace)) throw notFound("Workspace", workspace, "workspaceId");
    const workspaceId = await this.folderOwner(workspace);
    const range = keyset(args);
    const rows = await this.store.changes(workspaceId, range);
    return toPage(rows, range, () => this.store.countChanges(workspaceId));
  }
}
