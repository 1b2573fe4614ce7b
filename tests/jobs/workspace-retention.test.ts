/**
 * WORKSPACE_RETENTION_DAYS on both databases: folders of tasks finished long ago are removed
 * (rows REMOVED), recent or unfinished ones kept, a folder shared with an active task kept, a
 * planted symlink not followed, the workspaces' git mirrors removed with their folders; a removed
 * workspace answers WORKSPACE_REMOVED (tools, file routes).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { WorkspaceRecord, type TaskRecord } from "../../src/domain/records.js";
import type { TaskStatus } from "../../src/domain/terms.js";
import type { Database } from "../../src/infra/db/orm.js";
import { HostGit } from "../../src/infra/git/host-git.js";
import { GIT_MIRRORS_DIR, GitMirrors } from "../../src/infra/git/mirror.js";
import { createSandbox } from "../../src/infra/sandbox/sandbox.js";
import { WorkspaceFs } from "../../src/infra/workspace-fs/workspace-fs.js";
import {
  removeFinishedWorkspaces,
  startWorkspaceRetention,
  type RetentionFolder,
} from "../../src/jobs/workspace-retention.js";
import { CreateAgentDocument, CreateTaskDocument, ReadFileDocument, TaskDocument } from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { fixtures, storeDatabase } from "../helpers/store-db.js";

const day = 86_400_000;
const logger = { info() {}, warn() {}, error() {}, debug() {} };
const sandbox = createSandbox({ mode: "none", logger, quiet: true });
const fsAt = (root: string) => new WorkspaceFs({ root, defaultPackages: [], logger, sandbox, owner: null });

describeProfiles("workspace retention", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let root: string;
  let outside: string;
  let fs: WorkspaceFs;
  beforeEach(async () => {
    ({ db, close } = await storeDatabase(profile));
    root = await mkdtemp(join(tmpdir(), "ws-retention-"));
    outside = await mkdtemp(join(tmpdir(), "ws-outside-"));
    fs = fsAt(root);
  });
  afterEach(async () => {
    await close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** A task in `status` last changed `daysAgo`, with a READY workspace and a file in its folder. */
  async function taskWithFolder(
    status: TaskStatus,
    daysAgo: number,
    shareWith?: { task: TaskRecord; path: string },
  ): Promise<{ task: TaskRecord; path: string; workspaceId: string }> {
    const agent = await fixtures.agent(db);
    const at = new Date(Date.now() - daysAgo * day);
    const task = await fixtures.task(db, {
      status,
      updatedAt: at,
      parentId: shareWith?.task.id ?? null,
      ...(shareWith ? { sharedFolder: "child" } : {}),
    });
    const path = shareWith?.path ?? fs.pathFor(agent.id, task.id);
    await mkdir(join(path, "src"), { recursive: true });
    await writeFile(join(path, "src", `${task.id}.txt`), "work");
    const ws = await fixtures.workspace(db, { taskId: task.id, agentId: agent.id, path, status: "READY" });
    return { task, path, workspaceId: ws.id };
  }

  const statusOf = async (id: string) => (await db.fork().findOneOrFail(WorkspaceRecord, { id })).status;
  const mirrors = () =>
    new GitMirrors(join(root, GIT_MIRRORS_DIR), new HostGit({ privateDir: join(outside, "git"), timeoutMs: 10_000 }));
  const run = (days = 7, reachable?: (f: RetentionFolder) => boolean) =>
    removeFinishedWorkspaces(db, fs, {
      before: new Date(Date.now() - days * day),
      reachable,
      mirrors: mirrors(),
      logger,
    });
  /** A bare repository where the git tools keep the workspace's mirror. */
  async function mirrorOf(workspaceId: string): Promise<string> {
    const path = mirrors().pathFor(workspaceId);
    await mkdir(join(path, "objects"), { recursive: true });
    await writeFile(join(path, "HEAD"), "ref: refs/heads/main\n");
    return path;
  }

  it("removes the folders of tasks finished more than N days ago and keeps the others", async () => {
    const old = await taskWithFolder("COMPLETE", 30);
    const oldFailed = await taskWithFolder("FAILED", 10);
    const recent = await taskWithFolder("COMPLETE", 1);
    const activeOld = await taskWithFolder("BUILD", 30);
    const oldMirror = await mirrorOf(old.workspaceId);
    const keptMirrors = [await mirrorOf(recent.workspaceId), await mirrorOf(activeOld.workspaceId)];
    const counts = await run();
    expect(counts).toEqual({ folders: 2, workspaces: 2, failed: 0 });
    expect(existsSync(oldMirror), "the removed workspace's git mirror").toBe(false);
    for (const kept of keptMirrors) expect(existsSync(join(kept, "HEAD"))).toBe(true);
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(oldFailed.path)).toBe(false);
    expect(await statusOf(old.workspaceId)).toBe("REMOVED");
    expect(await statusOf(oldFailed.workspaceId)).toBe("REMOVED");
    for (const kept of [recent, activeOld]) {
      expect(existsSync(join(kept.path, "src", `${kept.task.id}.txt`))).toBe(true);
      expect(await statusOf(kept.workspaceId)).toBe("READY");
    }
    // Nothing is left to do: a second pass removes nothing.
    expect(await run()).toEqual({ folders: 0, workspaces: 0, failed: 0 });
  });

  it("keeps the folder when its task is assigned again between the marking and the removal", async () => {
    const old = await taskWithFolder("FAILED", 30);
    const mirror = await mirrorOf(old.workspaceId);
    // The retried task's assignment sets its row back to CREATING at the same path meanwhile.
    const retried: Pick<WorkspaceFs, "remove"> = {
      remove: async (path, opts) => {
        await db.fork().nativeUpdate(WorkspaceRecord, { id: old.workspaceId }, { status: "CREATING" });
        return fs.remove(path, opts);
      },
    };
    const counts = await removeFinishedWorkspaces(db, retried, {
      before: new Date(Date.now() - 7 * day),
      mirrors: mirrors(),
      logger,
    });
    expect(counts).toEqual({ folders: 0, workspaces: 1, failed: 0 });
    expect(existsSync(join(old.path, "src", `${old.task.id}.txt`))).toBe(true);
    expect(existsSync(join(mirror, "HEAD"))).toBe(true);
    expect(await statusOf(old.workspaceId)).toBe("CREATING");
  });

  it("keeps a shared folder while any task using it is active or recent, then removes it once", async () => {
    const parent = await taskWithFolder("COMPLETE", 30);
    const child = await taskWithFolder("BUILD", 30, parent);
    expect(await run()).toEqual({ folders: 0, workspaces: 0, failed: 0 });
    expect(existsSync(join(parent.path, "src", `${child.task.id}.txt`))).toBe(true);
    expect(await statusOf(parent.workspaceId)).toBe("READY");
    // The child finishes, recently: still kept.
    await db.fork().nativeUpdate("TaskRecord", { id: child.task.id }, { status: "COMPLETE", updatedAt: new Date() });
    expect((await run()).folders).toBe(0);
    // Long ago: the folder goes, and both rows say so.
    await db.fork().nativeUpdate("TaskRecord", { id: child.task.id }, { updatedAt: new Date(Date.now() - 20 * day) });
    expect(await run()).toEqual({ folders: 1, workspaces: 2, failed: 0 });
    expect(existsSync(parent.path)).toBe(false);
    expect(await statusOf(parent.workspaceId)).toBe("REMOVED");
    expect(await statusOf(child.workspaceId)).toBe("REMOVED");
  });

  it("does not follow a symlink planted in the workspace to a folder outside", async () => {
    await writeFile(join(outside, "precious.txt"), "keep me");
    const t = await taskWithFolder("CANCELLED", 30);
    await symlink(outside, join(t.path, "src", "escape"));
    await symlink(join(outside, "precious.txt"), join(t.path, "link.txt"));
    expect((await run()).folders).toBe(1);
    expect(existsSync(t.path)).toBe(false);
    expect(await readFile(join(outside, "precious.txt"), "utf8")).toBe("keep me");
  });

  it("runs at start as a background job; stop() waits for the run in progress", async () => {
    const old = await taskWithFolder("COMPLETE", 30);
    const lines: string[] = [];
    const job = startWorkspaceRetention({
      db,
      workspaceFs: fs,
      logger: { ...logger, info: (_o: object, msg?: string) => lines.push(msg ?? "") },
      days: 7,
      intervalMs: 3_600_000,
    });
    await job.stop();
    expect(existsSync(old.path)).toBe(false);
    expect(lines).toEqual(["workspace retention removed the folders of finished tasks"]);
  });

  it("removes only the folders the injected filter says this process can reach", async () => {
    const a = await taskWithFolder("COMPLETE", 30);
    const b = await taskWithFolder("COMPLETE", 30);
    const seen: RetentionFolder[] = [];
    const counts = await run(7, (f) => {
      seen.push(f);
      return f.path === a.path;
    });
    expect(counts.folders).toBe(1);
    expect(seen.map((f) => f.path).sort()).toEqual([a.path, b.path].sort());
    expect(seen.find((f) => f.path === a.path)?.workspaces.map((w) => w.taskId)).toEqual([a.task.id]);
    expect(existsSync(a.path)).toBe(false);
    expect(existsSync(b.path)).toBe(true);
    expect(await statusOf(b.workspaceId)).toBe("READY");
  });
});

describeProfiles("a removed workspace", (profile) => {
  let s: TestServer;
  let workspaceId = "";
  let taskId = "";
  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 1, env: { WORKSPACE_RETENTION_DAYS: "7" } });
    await s.ok(CreateAgentDocument, { input: { name: `keeper-${profile}`, minComplexity: 4, maxComplexity: 4 } });
    taskId = (await s.ok(CreateTaskDocument, { input: { title: "old work", complexity: 4 } })).createTask.id;
    workspaceId = await untilValue("the workspace to be READY", async () => {
      const ws = (await s.ok(TaskDocument, { id: taskId })).task?.workspace;
      return ws?.status === "READY" ? ws.id : null;
    });
  });
  afterAll(() => s?.stop());

  it("answers WORKSPACE_REMOVED from the tools and 410 from the file routes", async () => {
    // The task finished a month ago (as if it had); retention's pass removes its folder.
    await s.app.db
      .fork()
      .nativeUpdate("TaskRecord", { id: taskId }, { status: "CANCELLED", updatedAt: new Date(Date.now() - 30 * day) });
    const counts = await removeFinishedWorkspaces(s.app.db, fsAt(s.config.workspacesDir), {
      before: new Date(Date.now() - 7 * day),
      logger,
    });
    expect(counts.folders).toBe(1);
    expect((await s.ok(TaskDocument, { id: taskId })).task?.workspace?.status).toBe("REMOVED");
    const read = await s.gql(ReadFileDocument, { workspaceId, path: "README.md" });
    expect(read.errors?.[0]?.extensions).toMatchObject({
      code: "WORKSPACE_REMOVED",
      workspaceId,
      field: "workspaceId",
    });
    const res = await fetch(`${s.url}/workspaces/${workspaceId}/files/README.md`, {
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    expect(res.status).toBe(410);
    expect(JSON.stringify(await res.json())).toContain("WORKSPACE_REMOVED");
  });
});
