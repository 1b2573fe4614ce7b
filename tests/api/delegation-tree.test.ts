import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  RuntimeTaskDocument,
  CancelTaskDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  DelegateDocument,
  LockFileDocument,
  TaskTreeChangedDocument,
  TaskTreeDocument,
  TreeTaskDocument,
  UpdateTaskDocument,
  UpdateTaskStatusDocument,
  WaitForChildrenDocument,
  WorkspaceChangesDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Delegation trees over the API, worked by external agents (no model): limits, cycles, the
 * agent a child goes to, budgets, waiting, progress, taskTree, taskTreeChanged and cascade cancel.
 */
describeProfiles("delegation trees", (profile) => {
  let s: TestServer;
  let n = 0;
  const unique = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 1, sweepIntervalMs: 300, env: { DELEGATION_MAX_CHILDREN: "3" } });
  });
  afterAll(() => s?.stop());

  const code = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
  const get = async (id: string) => (await s.ok(TreeTaskDocument, { id })).task!;
  /** The task once its workspace is READY (made by the create-workspace job). */
  const ready = (id: string) =>
    untilValue(`task ${id}'s workspace`, async () => {
      const t = await get(id);
      return t.workspace?.status === "READY" ? t : null;
    });
  /** Two external agents for complexity `c`: a child never goes to the agent that delegated it. */
  const agents = async (c: number) => {
    const make = async () =>
      (
        await s.ok(CreateAgentDocument, {
          input: { name: unique("ext"), kind: "EXTERNAL", minComplexity: c, maxComplexity: c, maxConcurrentTasks: 10 },
        })
      ).createAgent;
    return [await make(), await make()] as const;
  };
  const root = async (c: number, extra: Record<string, unknown> = {}) =>
    ready(
      (
        await s.ok(CreateTaskDocument, {
          input: { title: unique("root"), description: "Build the whole thing", complexity: c, ...extra },
        })
      ).createTask.id,
    );
  const delegate = (workspaceId: string, title: string, c: number, extra: Record<string, unknown> = {}) =>
    s.gql(DelegateDocument, { workspaceId, title, description: `Do ${title}`, complexity: c, ...extra });

  it("goes down to DELEGATION_MAX_DEPTH levels, never to the delegating agent, and refuses work handed back up", async () => {
    const [x, y] = await agents(2);
    const top = await root(2);
    expect(top.depth).toBe(0);
    expect(top.root?.id).toBe(top.id);
    let parent = top;
    const chain = [top];
    for (let level = 1; level <= 3; level++) {
      const r = await delegate(parent.workspace!.id, `level ${level} of ${top.id}`, 2);
      expect(r.errors).toBeUndefined();
      const child = await ready(r.data!.delegateTask.taskId);
      expect(child).toMatchObject({ depth: level, parent: { id: parent.id }, root: { id: top.id } });
      // Two agents fit: the child goes to the one that did not delegate it.
      expect(child.assignedAgent?.id).toBe(parent.assignedAgent?.id === x.id ? y.id : x.id);
      chain.push(child);
      parent = child;
    }
    const tooDeep = await delegate(parent.workspace!.id, "level 4", 2);
    expect(code(tooDeep)).toBe("LIMIT_EXCEEDED");
    expect(tooDeep.errors?.[0]?.message).toMatch(/at most 3 levels/);
    // createTask under a parent keeps to the same limits.
    const viaApi = await s.gql(CreateTaskDocument, {
      input: { title: "level 4 by hand", complexity: 2, parentId: parent.id },
    });
    expect(code(viaApi)).toBe("LIMIT_EXCEEDED");

    // The root's own work, handed back down (same words, other case and punctuation): refused.
    const cycle = await s.gql(DelegateDocument, {
      workspaceId: chain[2]!.workspace!.id,
      title: top.title.toUpperCase(),
      description: "Build the whole thing!",
      complexity: 2,
    });
    expect(code(cycle)).toBe("CONFLICT");
    expect(cycle.errors?.[0]?.message).toContain(top.id);

    // taskTree: nested children, bounded by the depth asked; progress counts children.
    const tree = (await s.ok(TaskTreeDocument, { rootId: top.id, depth: 2 })).taskTree!;
    expect(tree.task.id).toBe(top.id);
    expect(tree.progress).toMatchObject({ childrenDone: 0, childrenTotal: 1 });
    expect(tree.children[0]?.task.id).toBe(chain[1]!.id);
    expect(tree.children[0]?.children[0]?.task.id).toBe(chain[2]!.id);
    expect(tree.children[0]?.children[0]?.children).toEqual([]);

    // Cancelling the root cancels every task under it, and taskTreeChanged shows each move.
    const changes = collect(s.ws(), TaskTreeChangedDocument, { rootId: top.id });
    // Live once a change of the root comes through (an update that changes nothing else).
    await untilValue("the subscription to be live", async () => {
      await s.ok(UpdateTaskDocument, { id: top.id, input: { priority: 1 } });
      return changes.items.length > 0;
    });
    const before = changes.items.length;
    await s.ok(CancelTaskDocument, { id: top.id });
    for (const t of chain) expect((await get(t.id)).status).toBe("CANCELLED");
    const seen = (await changes.waitFor(before + 4)).slice(before);
    expect(new Set(seen.map((c) => c.taskTreeChanged.id))).toEqual(new Set(chain.map((t) => t.id)));
    changes.stop();
  });

  it("carves a child's budget out of the parent's, refuses more than is left, and limits children", async () => {
    await agents(3);
    const top = await root(3, { maxCostUsd: 1, maxTokens: 1000 });
    const ws = top.workspace!.id;
    const missing = await delegate(ws, "no budget given", 3);
    expect(code(missing)).toBe("BAD_USER_INPUT");
    expect(missing.errors?.[0]?.extensions?.fields).toEqual([
      expect.objectContaining({ path: "budget.costUsd" }),
      expect.objectContaining({ path: "budget.tokens" }),
    ]);
    const share = await delegate(ws, "a share", 3, { budget: { costUsd: 0.4, tokens: 600 } });
    expect(share.data?.delegateTask).toMatchObject({ maxCostUsd: 0.4, maxTokens: 600 });
    expect((await get(top.id)).maxCostUsd).toBeCloseTo(0.6);
    const tooMuch = await delegate(ws, "too much", 3, { budget: { costUsd: 0.5, tokens: 500 } });
    expect(code(tooMuch)).toBe("LIMIT_EXCEEDED");
    expect(tooMuch.errors?.[0]?.message).toMatch(/\$0\.6000 and 400 tokens/);
    expect((await get(top.id)).maxCostUsd).toBeCloseTo(0.6); // nothing carved by the refusal
    // A grandchild's share comes out of its parent's share: the tree stays within the root's budget.
    const child = await ready(share.data!.delegateTask.taskId);
    const over = await delegate(child.workspace!.id, "grandchild", 3, { budget: { costUsd: 0.5, tokens: 100 } });
    expect(code(over)).toBe("LIMIT_EXCEEDED");
    expect(
      (await delegate(child.workspace!.id, "grandchild", 3, { budget: { costUsd: 0.1, tokens: 100 } })).errors,
    ).toBeUndefined();
    expect((await get(child.id)).maxCostUsd).toBeCloseTo(0.3);
    // A child that ends gives what it did not spend back. Cancelling the child cancels the
    // grandchild first, whose share goes to the child, then all of the child's to the root.
    const grandchild = (await get(child.id)).children[0]!;
    await s.ok(CancelTaskDocument, { id: child.id });
    expect((await get(grandchild.id)).status).toBe("CANCELLED");
    expect((await get(grandchild.id)).maxCostUsd).toBeCloseTo(0);
    expect((await get(child.id)).maxCostUsd).toBeCloseTo(0);
    expect((await get(top.id)).maxCostUsd).toBeCloseTo(1);
    const outcome = (await s.ok(RuntimeTaskDocument, { id: top.id })).task!.pendingMessages.at(-1);
    expect(outcome?.text).toContain("Its unspent budget ($0.4000 and 600 tokens) is back in yours.");

    // DELEGATION_MAX_CHILDREN=3 in this suite.
    for (const i of [2, 3]) {
      expect((await delegate(ws, `part ${i}`, 3, { budget: { costUsd: 0.1, tokens: 10 } })).errors).toBeUndefined();
    }
    const fourth = await delegate(ws, "part 4", 3, { budget: { costUsd: 0.1, tokens: 10 } });
    expect(code(fourth)).toBe("LIMIT_EXCEEDED");
    expect(fourth.errors?.[0]?.message).toMatch(/at most 3 child tasks/);
  });

  it("waits for children: parked until the last one ends, each outcome a message; shared workspaces", async () => {
    await agents(4);
    const top = await root(4);
    const ws = top.workspace!.id;
    const a = (await s.ok(DelegateDocument, { workspaceId: ws, title: "part a", complexity: 4, sharedWorkspace: {} }))
      .delegateTask;
    const b = (
      await s.ok(DelegateDocument, {
        workspaceId: ws,
        title: "part b",
        complexity: 4,
        sharedWorkspace: { subfolder: "parts/b" },
      })
    ).delegateTask;
    expect(a.sharedFolder).toBe("");
    expect(b.sharedFolder).toBe("parts/b");
    const [childA, childB] = [await ready(a.taskId), await ready(b.taskId)];
    // Both work in the parent's folder (the second's subfolder made in it).
    expect(childA.workspace!.path).toBe(top.workspace!.path);
    expect(childB.workspace!.path).toBe(top.workspace!.path);
    expect(statSync(join(top.workspace!.path, "parts", "b")).isDirectory()).toBe(true);
    const escape = await delegate(ws, "escape", 4, { sharedWorkspace: { subfolder: "../other" } });
    expect(code(escape)).toBe("BAD_USER_INPUT");

    const wait = (await s.ok(WaitForChildrenDocument, { workspaceId: ws, ids: [a.taskId, b.taskId] })).waitForTasks;
    expect(wait).toMatchObject({ parked: true, waitingFor: [a.taskId, b.taskId], finished: [] });
    expect((await get(top.id)).waitingFor).toEqual([a.taskId, b.taskId]);
    const notChild = await s.gql(WaitForChildrenDocument, { workspaceId: ws, ids: [top.id] });
    expect(code(notChild)).toBe("BAD_USER_INPUT");

    for (const status of ["BUILD", "TEST", "REVIEW", "COMPLETE"] as const) {
      await s.ok(UpdateTaskStatusDocument, { id: a.taskId, status, note: status === "COMPLETE" ? "a is done" : null });
    }
    expect((await get(top.id)).waitingFor).toEqual([b.taskId]);
    expect((await get(top.id)).progress).toMatchObject({ percent: 30, childrenDone: 1, childrenTotal: 2 });
    await s.ok(UpdateTaskStatusDocument, { id: b.taskId, status: "FAILED", note: "b could not" });
    const after = await get(top.id);
    expect(after.waitingFor).toBeNull();
    expect(after.progress).toMatchObject({ percent: 55, childrenDone: 2, childrenTotal: 2 });
    // The outcomes wait for the parent's agent as messages (a failed child is reported too).
    const again = (await s.ok(WaitForChildrenDocument, { workspaceId: ws, ids: [a.taskId, b.taskId] })).waitForTasks;
    expect(again.parked).toBe(false);
    expect(again.finished.map((f) => [f.taskId, f.status, f.summary])).toEqual([
      [a.taskId, "COMPLETE", "a is done"],
      [b.taskId, "FAILED", null],
    ]);
  });

  it("children sharing a folder see each other's locks and changes; a stale write gets the current version", async () => {
    // One agent each (capacity 1): the root's, then one per child.
    for (let i = 0; i < 3; i++) {
      await s.ok(CreateAgentDocument, {
        input: { name: unique("solo"), kind: "EXTERNAL", minComplexity: 7, maxComplexity: 7, maxConcurrentTasks: 1 },
      });
    }
    const top = await root(7);
    const ws = top.workspace!.id;
    const child = async (title: string) => {
      const id = (await s.ok(DelegateDocument, { workspaceId: ws, title, complexity: 7, sharedWorkspace: {} }))
        .delegateTask.taskId;
      const t = await ready(id);
      const key = (
        await s.ok(CreateApiKeyDocument, { input: { name: unique("k"), role: "AGENT", agentId: t.assignedAgent!.id } })
      ).createApiKey.key;
      return { task: t, key, workspaceId: t.workspace!.id };
    };
    const a = await child("left half");
    const b = await child("right half");
    expect(new Set([top.assignedAgent!.id, a.task.assignedAgent!.id, b.task.assignedAgent!.id]).size).toBe(3);
    const write = (who: typeof a, content: string, expectedVersion?: string) =>
      s.gql(
        WriteFileDocument,
        {
          input: {
            workspaceId: who.workspaceId,
            path: "shared/plan.md",
            content,
            createParents: true,
            expectedVersion,
          },
        },
        who.key,
      );

    const first = (await write(a, "plan v1")).data!.writeFile;
    const second = (await write(b, "plan v2", first.version)).data!.writeFile;
    // a still holds v1: its write is refused with the version b wrote.
    const stale = await write(a, "plan v1b", first.version);
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", currentVersion: second.version });

    await s.ok(LockFileDocument, { workspaceId: a.workspaceId, path: "shared", ttlSeconds: 60 }, a.key);
    const locked = await write(b, "plan v3", second.version);
    expect(locked.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "locked", lockedPath: "shared" });
    // The parent's workspace (the folder's owner) holds the children's changes, whichever row asks.
    for (const id of [ws, a.workspaceId, b.workspaceId]) {
      const changes = (await s.ok(WorkspaceChangesDocument, { workspaceId: id, first: 10 })).workspaceChanges;
      expect(changes.edges.map((e) => [e.node.path, e.node.agent?.id])).toEqual([
        ["shared/plan.md", b.task.assignedAgent!.id],
        ["shared/plan.md", a.task.assignedAgent!.id],
      ]);
    }
  });

  it("a wait that times out ends: the task is no longer parked and hears which children are still at work", async () => {
    await agents(5);
    const top = await root(5);
    const ws = top.workspace!.id;
    const child = (await s.ok(DelegateDocument, { workspaceId: ws, title: "slow part", complexity: 5 })).delegateTask;
    const wait = (await s.ok(WaitForChildrenDocument, { workspaceId: ws, ids: [child.taskId], timeoutSeconds: 1 }))
      .waitForTasks;
    expect(wait.parked).toBe(true);
    await untilValue("the wait's end", async () => (await get(top.id)).waitingFor === null);
    const pending = (await s.ok(RuntimeTaskDocument, { id: top.id })).task!.pendingMessages.map((m) => m.text);
    expect(pending).toEqual([
      expect.stringMatching(new RegExp(`^Stopped waiting: the timeout passed. Still at work: ${child.taskId}`)),
    ]);
  });
});
