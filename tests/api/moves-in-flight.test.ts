/**
 * Every move by hand (assign, unassign, reassign, pause, cancel, a status change) made while a
 * task's workspace is being created or its run is starting ends in a state something moves on
 * from: a READY workspace for the agent that holds the task, a run that stops or starts again.
 * Creation is held for real: the workspace's default package comes from a local index that
 * keeps its answers back until the test releases them. A run is held in its first model call.
 */
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AgentDocument,
  AssignTaskDocument,
  CancelTaskDocument,
  CreateAgentDocument,
  CreateRuntimeTaskDocument,
  CreateTaskDocument,
  PauseTaskDocument,
  ResumeTaskDocument,
  RuntimeTaskDocument,
  TaskDocument,
  UnassignTaskDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startRuntimeServer, sleep } from "../helpers/runtime.js";
import type { TestServer } from "../helpers/server.js";
import { localIndex, serveIndex } from "../helpers/wheels.js";

// Waits are bounded at 60 s each (a loaded machine makes venvs slowly), longer than the default.
vi.setConfig({ testTimeout: 180_000 });

describeProfiles("moves made while a workspace is created or a run starts", (profile) => {
  let s: TestServer;
  let fake: FakeOpenRouter;
  let index: Awaited<ReturnType<typeof serveIndex>>;
  let n = 0;
  // Each test takes a complexity of its own: its agents take only its tasks.
  let complexity = 0;

  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    index = await serveIndex(localIndex());
    s = await startRuntimeServer(profile, fake, {
      WORKSPACE_DEFAULT_PACKAGES: "demo-pkg",
      PIP_INDEX_URL: index.url,
    });
  });
  afterAll(async () => {
    await s?.stop();
    await index?.close();
    await fake?.close();
  });
  afterEach(() => {
    expect(fake.pending(), "every scripted turn was used").toBe(0);
  });

  const agent = async (kind: "EXTERNAL" | "BUILTIN") =>
    (
      await s.ok(CreateAgentDocument, {
        input: { name: `mover-${++n}`, kind, minComplexity: complexity, maxComplexity: complexity },
      })
    ).createAgent;
  const task = async () =>
    (await s.ok(CreateTaskDocument, { input: { title: `moved-${++n}`, complexity } })).createTask;
  const get = async (id: string) => (await s.ok(TaskDocument, { id })).task;
  /** Reads the task until `done` holds (bounded: a loaded machine makes venvs slowly). */
  const until = async (
    id: string,
    done: (t: NonNullable<Awaited<ReturnType<typeof get>>>) => boolean,
    what: string,
  ) => {
    const end = Date.now() + 60_000;
    let last: Awaited<ReturnType<typeof get>> | undefined;
    while (Date.now() < end) {
      last = await get(id);
      if (last && done(last)) return last;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
  };
  const gone = async (path: string) => {
    for (const end = Date.now() + 60_000; existsSync(path); await sleep(50)) {
      if (Date.now() > end) throw new Error(`${path} is still there`);
    }
  };
  /** A new task whose workspace is being created for its first agent (its package download waits). */
  const inCreation = async () => {
    const held = index.hold();
    const t = await task();
    await held.reached;
    const now = await get(t.id);
    expect(now?.workspace?.status).toBe("CREATING");
    return { t: now!, release: held.release };
  };

  describe("while the workspace is being created", () => {
    it("unassign: the next agent gets a READY workspace of its own, and the first agent's folder goes", async () => {
      complexity = 1;
      const a = await agent("EXTERNAL");
      const b = await agent("EXTERNAL");
      const { t, release } = await inCreation();
      expect(t.assignedAgent?.id).toBe(a.id);
      const firstPath = t.workspace!.path;
      const moved = (await s.ok(UnassignTaskDocument, { taskId: t.id })).unassignTask;
      // A was busy until now; B never was: B is the least recently active.
      expect(moved).toMatchObject({ status: "DESIGN", assignedAgent: { id: b.id } });
      release();
      const done = await until(
        t.id,
        (x) => x.workspace?.status === "READY" && x.workspace.path.includes(`/${b.id}/`),
        "B's workspace READY",
      );
      expect(done.assignedAgent?.id).toBe(b.id);
      await gone(firstPath);
    });

    it("reassign: the task's workspace is made for the new agent", async () => {
      complexity = 2;
      const a = await agent("EXTERNAL");
      const b = await agent("EXTERNAL");
      const { t, release } = await inCreation();
      expect(t.assignedAgent?.id).toBe(a.id);
      await s.ok(AssignTaskDocument, { taskId: t.id, agentId: b.id });
      release();
      await until(
        t.id,
        (x) => x.workspace?.status === "READY" && x.workspace.path.includes(`/${b.id}/`),
        "READY for B",
      );
      await gone(t.workspace!.path);
      expect((await s.ok(AgentDocument, { id: a.id })).agent?.activeTasks).toBe(0);
    });

    it("reassign there and back: the workspace is READY for the first agent again", async () => {
      complexity = 3;
      const a = await agent("EXTERNAL");
      const b = await agent("EXTERNAL");
      const { t, release } = await inCreation();
      await s.ok(AssignTaskDocument, { taskId: t.id, agentId: b.id });
      await s.ok(AssignTaskDocument, { taskId: t.id, agentId: a.id });
      release();
      const done = await until(
        t.id,
        (x) => x.workspace?.status === "READY" && x.workspace.path === t.workspace!.path,
        "READY for A again",
      );
      expect(done.assignedAgent?.id).toBe(a.id);
      expect(existsSync(done.workspace!.path)).toBe(true);
    });

    it("pause: creation finishes, the task waits paused, and a builtin agent's run starts on resume", async () => {
      complexity = 4;
      await agent("BUILTIN");
      const { t, release } = await inCreation();
      await s.ok(PauseTaskDocument, { id: t.id, reason: "hold on" });
      release();
      await until(t.id, (x) => x.workspace?.status === "READY", "READY while paused");
      const before = fake.requests.length;
      fake.script({ type: "hang" });
      await s.ok(ResumeTaskDocument, { id: t.id });
      for (const end = Date.now() + 60_000; fake.requests.length === before; await sleep(20)) {
        if (Date.now() > end) throw new Error("the run did not start after resume");
      }
      await s.ok(CancelTaskDocument, { id: t.id });
      expect(await fake.requests.at(-1)?.settled).toBe("client-closed");
    });

    it("cancel: creation ends, the agent's slot is free, and no run starts", async () => {
      complexity = 5;
      const a = await agent("BUILTIN");
      const { t, release } = await inCreation();
      const before = fake.requests.length;
      await s.ok(CancelTaskDocument, { id: t.id });
      release();
      const done = await until(t.id, (x) => x.workspace?.status !== "CREATING", "creation over");
      expect(done.status).toBe("CANCELLED");
      expect((await s.ok(AgentDocument, { id: a.id })).agent).toMatchObject({ activeTasks: 0, status: "AVAILABLE" });
      expect(fake.requests.length).toBe(before);
    });

    it("a PENDING task cannot be moved to work by hand: it waits for an agent instead of standing still", async () => {
      complexity = 6;
      const t = await task();
      expect(t.status).toBe("PENDING");
      const r = await s.gql(UpdateTaskStatusDocument, { id: t.id, status: "DESIGN" });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_TRANSITION", from: "PENDING", to: "DESIGN" });
      expect((await get(t.id))?.status).toBe("PENDING");
      const a = await agent("EXTERNAL");
      const taken = await until(t.id, (x) => x.workspace?.status === "READY", "taken by the new agent");
      expect(taken).toMatchObject({ status: "DESIGN", assignedAgent: { id: a.id } });
    });
  });

  describe("while the run is starting (its first model call is in flight)", () => {
    const running = async () => {
      fake.script({ type: "hang" });
      const before = fake.requests.length;
      const t = (await s.ok(CreateRuntimeTaskDocument, { input: { title: `run-${++n}`, complexity } })).createTask;
      for (const end = Date.now() + 60_000; fake.requests.length === before; await sleep(20)) {
        if (Date.now() > end) throw new Error("the run did not start");
      }
      return { t, call: fake.requests[fake.requests.length - 1]! };
    };

    it("pause stops the call; resume starts the run again", async () => {
      complexity = 7;
      await agent("BUILTIN");
      const { t, call } = await running();
      await s.ok(PauseTaskDocument, { id: t.id, reason: "wait" });
      expect(await call.settled).toBe("client-closed");
      fake.script({ type: "hang" });
      const before = fake.requests.length;
      await s.ok(ResumeTaskDocument, { id: t.id });
      for (const end = Date.now() + 60_000; fake.requests.length === before; await sleep(20)) {
        if (Date.now() > end) throw new Error("the run did not start again");
      }
      await s.ok(CancelTaskDocument, { id: t.id });
      expect(await fake.requests.at(-1)?.settled).toBe("client-closed");
    });

    it("cancel stops the call and frees the agent", async () => {
      complexity = 8;
      const a = await agent("BUILTIN");
      const { t, call } = await running();
      await s.ok(CancelTaskDocument, { id: t.id });
      expect(await call.settled).toBe("client-closed");
      expect((await s.ok(RuntimeTaskDocument, { id: t.id })).task?.status).toBe("CANCELLED");
      expect((await s.ok(AgentDocument, { id: a.id })).agent?.activeTasks).toBe(0);
    });

    it("reassign and unassign stop the call; the agent that takes the task starts its own run", async () => {
      complexity = 9;
      const a = await agent("BUILTIN");
      const b = await agent("BUILTIN");
      const { t, call } = await running();
      const first = (await s.ok(RuntimeTaskDocument, { id: t.id })).task?.assignedAgent?.id;
      const other = first === a.id ? b.id : a.id;
      fake.script({ type: "hang" });
      let before = fake.requests.length;
      await s.ok(AssignTaskDocument, { taskId: t.id, agentId: other });
      expect(await call.settled).toBe("client-closed");
      for (const end = Date.now() + 60_000; fake.requests.length === before; await sleep(20)) {
        if (Date.now() > end) throw new Error("the new agent's run did not start");
      }
      const second = fake.requests[fake.requests.length - 1]!;
      // Unassigned: the task goes to the agent with room (the first one), which runs it.
      fake.script({ type: "hang" });
      before = fake.requests.length;
      const back = (await s.ok(UnassignTaskDocument, { taskId: t.id })).unassignTask;
      expect(back.assignedAgent?.id).toBe(first);
      expect(await second.settled).toBe("client-closed");
      for (const end = Date.now() + 60_000; fake.requests.length === before; await sleep(20)) {
        if (Date.now() > end) throw new Error("the run did not start after unassign");
      }
      await s.ok(CancelTaskDocument, { id: t.id });
      expect(await fake.requests.at(-1)?.settled).toBe("client-closed");
    });
  });
});
