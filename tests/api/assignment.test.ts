import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentDocument,
  AgentHeartbeatDocument,
  AssignTaskDocument,
  CancelTaskDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  PauseAgentDocument,
  ResumeAgentDocument,
  TaskDocument,
  UnassignTaskDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeProfiles("assignment", (profile) => {
  let s: TestServer;
  let n = 0;
  const unique = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    // No workers: nothing moves tasks but the test itself (workspaces stay CREATING).
    s = await startTestServer(profile, { workers: 0 });
  });
  afterAll(() => s?.stop());

  const agent = async (min: number, max: number, extra: { maxConcurrentTasks?: number } = {}) =>
    (
      await s.ok(CreateAgentDocument, {
        input: { name: unique("agent"), minComplexity: min, maxComplexity: max, ...extra },
      })
    ).createAgent;
  const task = async (complexity: number, priority = 0) =>
    (await s.ok(CreateTaskDocument, { input: { title: unique("task"), complexity, priority } })).createTask;
  const get = async (id: string) => (await s.ok(TaskDocument, { id })).task;
  const agentOf = async (id: string) => (await s.ok(AgentDocument, { id })).agent;
  const finish = async (id: string) => {
    for (const status of ["BUILD", "TEST", "REVIEW", "COMPLETE"] as const)
      await s.ok(UpdateTaskStatusDocument, { id, status });
  };
  const code = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
  const field = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
    r.errors?.[0]?.extensions?.field;

  it("assigns a new task to a fitting agent at once: DESIGN, agent BUSY, an event, a workspace", async () => {
    const a = await agent(1, 1);
    const t = await task(1);
    expect(t.status).toBe("DESIGN");
    expect(t.assignedAgent?.id).toBe(a.id);
    expect(t.workspace).toMatchObject({ status: "CREATING", path: expect.stringContaining(`/${a.id}/tasks/${t.id}`) });
    const full = await get(t.id);
    expect(full?.events.map((e) => e.content)).toEqual(["Task created", `Task assigned to agent ${a.name}`]);
    expect(full?.events[1]?.data).toMatchObject({ from: "PENDING", to: "DESIGN", agentId: a.id });
    const after = await agentOf(a.id);
    expect(after).toMatchObject({ status: "BUSY", activeTasks: 1, currentTask: { id: t.id } });
    expect(after?.lastActiveAt).not.toBeNull();
  });

  it("fits by complexity range; a task nobody fits stays PENDING and goes to the first agent that fits", async () => {
    const t = await task(2);
    expect(t.status).toBe("PENDING");
    const wrong = await agent(3, 3);
    expect((await get(t.id))?.status).toBe("PENDING");
    const right = await agent(2, 2);
    const got = await get(t.id);
    expect(got).toMatchObject({ status: "DESIGN", assignedAgent: { id: right.id } });
    expect((await agentOf(wrong.id))?.status).toBe("AVAILABLE");
  });

  it("prefers the least recently active agent", async () => {
    const a = await agent(9, 9);
    const b = await agent(9, 9);
    const t1 = await task(9); // neither was ever active: the older agent
    expect(t1.assignedAgent?.id).toBe(a.id);
    await finish(t1.id); // a is active now, b never was
    const t2 = await task(9);
    expect(t2.assignedAgent?.id).toBe(b.id);
    await finish(t2.id); // now b was active after a
    const t3 = await task(9);
    expect(t3.assignedAgent?.id).toBe(a.id);
    await finish(t3.id);
  });

  it("respects capacity, then gives pending tasks by priority, then age, as agents free up", async () => {
    const a = await agent(4, 4, { maxConcurrentTasks: 2 });
    const t1 = await task(4);
    expect((await agentOf(a.id))?.status).toBe("AVAILABLE");
    const t2 = await task(4);
    expect(await agentOf(a.id)).toMatchObject({ status: "BUSY", activeTasks: 2 });
    const low = await task(4, 0);
    const highOld = await task(4, 50);
    const highNew = await task(4, 50);
    for (const t of [low, highOld, highNew]) expect(t.status).toBe("PENDING");

    await s.ok(CancelTaskDocument, { id: t1.id });
    expect((await get(highOld.id))?.status).toBe("DESIGN");
    expect((await get(highNew.id))?.status).toBe("PENDING");
    await finish(t2.id);
    expect((await get(highNew.id))?.status).toBe("DESIGN");
    expect((await get(low.id))?.status).toBe("PENDING");
    await s.ok(UpdateTaskStatusDocument, { id: highOld.id, status: "FAILED" });
    expect(await get(low.id)).toMatchObject({ status: "DESIGN", assignedAgent: { id: a.id } });
  });

  it("manual assignment applies the same checks; unassign returns a task to the queue; pause and resume", async () => {
    const a = await agent(5, 5);
    const b = await agent(5, 5);
    const narrow = await agent(6, 6);
    const t = await task(5);
    expect(t.assignedAgent?.id).toBe(a.id);

    const unfit = await s.gql(AssignTaskDocument, { taskId: t.id, agentId: narrow.id });
    expect([code(unfit), field(unfit)]).toEqual(["BAD_USER_INPUT", "agentId"]);
    const same = await s.gql(AssignTaskDocument, { taskId: t.id, agentId: a.id });
    expect(code(same)).toBe("CONFLICT");
    const unknown = await s.gql(AssignTaskDocument, { taskId: t.id, agentId: "01a21254-919c-7000-8abf-000000000000" });
    expect([code(unknown), field(unknown)]).toEqual(["NOT_FOUND", "agentId"]);

    // Moving the task to b: a is freed, b busy, the task restarts at DESIGN there.
    const moved = (await s.ok(AssignTaskDocument, { taskId: t.id, agentId: b.id })).assignTask;
    expect(moved).toMatchObject({ status: "DESIGN", assignedAgent: { id: b.id } });
    expect(moved.workspace?.path).toContain(`/${b.id}/tasks/${t.id}`);
    expect(await agentOf(a.id)).toMatchObject({ status: "AVAILABLE", activeTasks: 0 });
    expect(await agentOf(b.id)).toMatchObject({ status: "BUSY", activeTasks: 1 });
    const busy = await s.gql(AssignTaskDocument, { taskId: (await task(6)).id, agentId: b.id });
    expect(code(busy)).toBe("BAD_USER_INPUT"); // complexity 6 does not fit b either

    // Pause a: it takes nothing; unassigning from b then offers the task to... b again (a is paused).
    expect((await s.ok(PauseAgentDocument, { id: a.id })).pauseAgent.status).toBe("PAUSED");
    const paused = await s.gql(AssignTaskDocument, { taskId: t.id, agentId: a.id });
    expect(code(paused)).toBe("CONFLICT");
    const again = await s.gql(PauseAgentDocument, { id: a.id });
    expect(code(again)).toBe("CONFLICT");
    await s.ok(PauseAgentDocument, { id: b.id });
    const back = (await s.ok(UnassignTaskDocument, { taskId: t.id })).unassignTask;
    expect(back).toMatchObject({ status: "PENDING", assignedAgent: null });
    const events = (await get(t.id))?.events.map((e) => e.content) ?? [];
    expect(events.at(-1)).toMatch(/^Task unassigned from agent .* back in the queue$/);
    const notActive = await s.gql(UnassignTaskDocument, { taskId: t.id });
    expect(code(notActive)).toBe("INVALID_TRANSITION");

    // Resuming a gives it the pending task at once.
    const resumed = (await s.ok(ResumeAgentDocument, { id: a.id })).resumeAgent;
    expect(resumed).toMatchObject({ status: "BUSY", activeTasks: 1 });
    expect((await get(t.id))?.assignedAgent?.id).toBe(a.id);
  });

  it("a heartbeat from an OFFLINE agent brings it back; agent keys may only beat for their own agent", async () => {
    const a = await agent(7, 7);
    const beat = (await s.ok(AgentHeartbeatDocument, { id: a.id })).agentHeartbeat;
    expect(beat.lastHeartbeatAt).not.toBeNull();
    const unknown = await s.gql(AgentHeartbeatDocument, { id: "nope" });
    expect(code(unknown)).toBe("NOT_FOUND");
  });
});

describeProfiles("assignment under concurrency", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 0 });
  });
  afterAll(() => s?.stop());

  it("500 concurrent createTask calls against 20 agents: no agent over capacity, no task twice, none lost", async () => {
    const agents = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.app.services.agents.create({ name: `conc-${i}`, minComplexity: 1, maxComplexity: 10 }),
      ),
    );
    const created = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        s.app.services.tasks.create({ title: `c${i}`, complexity: 1 + (i % 10), priority: i % 7 }),
      ),
    );
    expect(new Set(created.map((t) => t.id)).size).toBe(500);

    const check = async () => {
      const em = s.app.db.fork();
      const tasks = await em.execute<Array<{ id: string; status: string; assigned_agent_id: string | null }>>(
        "select id, status, assigned_agent_id from task",
      );
      const rows = await em.execute<
        Array<{ id: string; active_tasks: number; max_concurrent_tasks: number; status: string }>
      >("select id, active_tasks, max_concurrent_tasks, status from agent");
      expect(tasks).toHaveLength(500);
      const active = tasks.filter((t) => ["DESIGN", "BUILD", "TEST", "REVIEW"].includes(t.status));
      for (const t of tasks) {
        if (t.status === "PENDING") expect(t.assigned_agent_id).toBeNull();
      }
      const perAgent = new Map<string, number>();
      for (const t of active)
        perAgent.set(t.assigned_agent_id ?? "none", (perAgent.get(t.assigned_agent_id ?? "none") ?? 0) + 1);
      expect(perAgent.has("none")).toBe(false);
      for (const a of rows) {
        const n = perAgent.get(a.id) ?? 0;
        expect(n).toBeLessThanOrEqual(Number(a.max_concurrent_tasks));
        expect(Number(a.active_tasks)).toBe(n); // the counter matches the rows
        expect(a.status).toBe(n >= Number(a.max_concurrent_tasks) ? "BUSY" : "AVAILABLE");
      }
      // an assigned task has exactly one assignment event per assignment
      return { active, pending: tasks.filter((t) => t.status === "PENDING").length };
    };
    const first = await check();
    expect(first.active).toHaveLength(20);
    expect(first.pending).toBe(480);

    // Agents free up: finishing tasks concurrently hands the pending ones out, until none is left.
    for (let round = 0; round < 40; round++) {
      const { active } = await check();
      if (active.length === 0) break;
      await Promise.all(
        active.map((t) =>
          s.app.services.tasks.cancel(t.id, { apiKeyId: "", name: "test", role: "ADMIN", agentId: null }),
        ),
      );
    }
    const em = s.app.db.fork();
    const statuses = await em.execute<Array<{ status: string; n: number }>>(
      "select status, count(*) as n from task group by status",
    );
    expect(statuses.map((r) => [r.status, Number(r.n)])).toEqual([["CANCELLED", 500]]);
    const assignedEvents = await em.execute<Array<{ n: number }>>(
      "select count(*) as n from task_event where content like 'Task assigned to agent %'",
    );
    expect(Number(assignedEvents[0]?.n)).toBe(500);
    expect(agents).toHaveLength(20);
  }, 120_000);
});

describe("heartbeat timeout [sqlite]", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1, sweepIntervalMs: 200, env: { AGENT_HEARTBEAT_TIMEOUT: "1" } });
  });
  afterAll(() => s?.stop());

  it("a silent agent goes OFFLINE and its task returns to the queue with an event saying why", async () => {
    const a = (await s.ok(CreateAgentDocument, { input: { name: "silent", minComplexity: 8, maxComplexity: 8 } }))
      .createAgent;
    const t = (await s.ok(CreateTaskDocument, { input: { title: "orphaned", complexity: 8 } })).createTask;
    expect(t.assignedAgent?.id).toBe(a.id);
    let status = "";
    for (let i = 0; i < 50 && status !== "OFFLINE"; i++) {
      await sleep(100);
      status = (await s.ok(AgentDocument, { id: a.id })).agent?.status ?? "";
    }
    expect(status).toBe("OFFLINE");
    const task = (await s.ok(TaskDocument, { id: t.id })).task;
    expect(task).toMatchObject({ status: "PENDING", assignedAgent: null });
    expect(task?.events.at(-1)?.content).toBe(
      "Agent silent went offline (no heartbeat for 1 s); task returned to the queue",
    );
    expect(task?.events.at(-1)?.data).toMatchObject({ reason: "AGENT_OFFLINE", to: "PENDING" });

    // It comes back with a heartbeat and takes the task again.
    const back = (await s.ok(AgentHeartbeatDocument, { id: a.id })).agentHeartbeat;
    expect(back.status).toBe("BUSY");
    expect((await s.ok(TaskDocument, { id: t.id })).task?.assignedAgent?.id).toBe(a.id);
  });
});
