import { afterAll, beforeAll, expect, it } from "vitest";
import type { ModelCallAttempt } from "../../src/domain/usage/usage.service.js";
import { ModelCallRecord, TaskRecord } from "../../src/domain/records.js";
import {
  AgentUsageDocument,
  CreateAgentDocument,
  CreateBudgetTaskDocument,
  TaskUsageDocument,
  UsageReportDocument,
  type UsageGroupBy,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type GqlResult, type TestServer } from "../helpers/server.js";

const day1 = new Date("2026-03-01T10:00:00.000Z");
const day2 = new Date("2026-03-02T23:30:00.000Z");
const rangeFrom = "2026-03-01T00:00:00.000Z";
const rangeTo = "2026-03-03T00:00:00.000Z";

const usage = (promptTokens: number, completionTokens: number, costUsd: number | null, cached = 0, reasoning = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens: cached,
  reasoningTokens: reasoning,
  costUsd,
});

function expectError(r: GqlResult<unknown>, code: string, field: string): void {
  expect(r.errors?.length, JSON.stringify(r.errors)).toBe(1);
  expect(r.errors?.[0]?.extensions?.code).toBe(code);
  expect(r.errors?.[0]?.extensions?.field).toBe(field);
}

describeProfiles("usage and budgets", (profile) => {
  let s: TestServer;
  let alpha: string;
  let beta: string;
  let t1: string;
  let t2: string;

  const record = (a: Partial<ModelCallAttempt> & Pick<ModelCallAttempt, "model">) =>
    s.app.services.usage.record({
      taskId: null,
      agentId: null,
      attempt: 1,
      outcome: "SUCCESS",
      latencyMs: 100,
      ...a,
    });
  const createTask = async (title: string, extra: { maxCostUsd?: number; maxTokens?: number } = {}) =>
    (await s.ok(CreateBudgetTaskDocument, { input: { title, complexity: 5, ...extra } })).createTask;

  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 0 });
    alpha = (await s.ok(CreateAgentDocument, { input: { name: "alpha", minComplexity: 1, maxComplexity: 10 } }))
      .createAgent.id;
    beta = (await s.ok(CreateAgentDocument, { input: { name: "beta", minComplexity: 1, maxComplexity: 10 } }))
      .createAgent.id;
    t1 = (await createTask("first")).id;
    t2 = (await createTask("second")).id;
    await record({
      taskId: t1,
      agentId: alpha,
      model: "m1",
      provider: "p1",
      usage: usage(100, 50, 0.25, 10, 5),
      createdAt: day1,
    });
    await record({
      taskId: t1,
      agentId: alpha,
      model: "m1",
      attempt: 2,
      outcome: "RETRY",
      errorKind: "rate_limit",
      createdAt: day1,
    });
    await record({ taskId: t1, agentId: alpha, model: "m2", usage: usage(200, 100, 0.5, 0, 20), createdAt: day2 });
    await record({ taskId: t2, agentId: beta, model: "m2", usage: usage(300, 200, null, 50), createdAt: day2 });
  });

  afterAll(async () => {
    await s?.stop();
  });

  it("sums a task's and an agent's calls", async () => {
    const task = (await s.ok(TaskUsageDocument, { id: t1 })).task;
    expect(task?.maxCostUsd).toBeNull();
    expect(task?.maxTokens).toBeNull();
    expect(task?.usage).toEqual({
      calls: 3,
      promptTokens: 300,
      completionTokens: 150,
      cachedTokens: 10,
      reasoningTokens: 25,
      totalTokens: 450,
      costUsd: 0.75,
    });
    const a = (await s.ok(AgentUsageDocument, { id: alpha })).agent;
    expect(a?.usage).toEqual(task?.usage);
    const b = (await s.ok(AgentUsageDocument, { id: beta })).agent;
    expect(b?.usage).toEqual({
      calls: 1,
      promptTokens: 300,
      completionTokens: 200,
      cachedTokens: 50,
      reasoningTokens: 0,
      totalTokens: 500,
      costUsd: 0,
    });
    const fresh = await createTask("no calls");
    expect((await s.ok(TaskUsageDocument, { id: fresh.id })).task?.usage).toMatchObject({ calls: 0, costUsd: 0 });
  });

  const report = async (groupBy: UsageGroupBy, from = rangeFrom, to = rangeTo) =>
    (await s.ok(UsageReportDocument, { from, to, groupBy })).usageReport;

  it("reports by model", async () => {
    const rows = await report("MODEL");
    expect(rows.map((r) => [r.key, r.label, r.calls, r.totalTokens, r.costUsd])).toEqual([
      ["m2", null, 2, 800, 0.5],
      ["m1", null, 2, 150, 0.25],
    ]);
  });

  it("reports by agent and by task, with names and titles", async () => {
    const agents = await report("AGENT");
    expect(agents.map((r) => [r.key, r.label, r.calls, r.totalTokens, r.costUsd])).toEqual([
      [alpha, "alpha", 3, 450, 0.75],
      [beta, "beta", 1, 500, 0],
    ]);
    const tasks = await report("TASK");
    expect(tasks.map((r) => [r.key, r.label, r.calls, r.promptTokens, r.completionTokens])).toEqual([
      [t1, "first", 3, 300, 150],
      [t2, "second", 1, 300, 200],
    ]);
  });

  it("reports by UTC day, and only the calls in [from, to)", async () => {
    const days = await report("DAY");
    expect(days.map((r) => [r.key, r.calls, r.totalTokens, r.costUsd])).toEqual([
      ["2026-03-01", 2, 150, 0.25],
      ["2026-03-02", 2, 800, 0.5],
    ]);
    const second = await report("DAY", "2026-03-02T00:00:00.000Z", rangeTo);
    expect(second.map((r) => [r.key, r.calls])).toEqual([["2026-03-02", 2]]);
    // `to` is exclusive: the call at 23:30 on day 2 is left out.
    const early = await report("MODEL", "2026-03-02T00:00:00.000Z", "2026-03-02T23:30:00.000Z");
    expect(early).toEqual([]);
  });

  it("checks a cost budget: spent ≥ max is not ok", async () => {
    const task = await createTask("cost budget", { maxCostUsd: 1 });
    expect(task.maxCostUsd).toBe(1);
    expect(await s.app.services.usage.checkBudget(task.id)).toEqual({ ok: true });
    await record({ taskId: task.id, model: "m1", usage: usage(10, 10, 0.5) });
    expect(await s.app.services.usage.checkBudget(task.id)).toEqual({ ok: true });
    await record({ taskId: task.id, model: "m1", usage: usage(10, 10, 0.5) });
    const check = await s.app.services.usage.checkBudget(task.id);
    expect(check).toMatchObject({ ok: false, spentUsd: 1, spentTokens: 40, maxCostUsd: 1, maxTokens: null });
    expect(check.ok ? "" : check.reason).toMatch(/Cost budget spent/);
  });

  it("checks a token budget", async () => {
    const task = await createTask("token budget", { maxTokens: 1000 });
    expect(task.maxTokens).toBe(1000);
    await record({ taskId: task.id, model: "m1", usage: usage(400, 100, null) });
    expect(await s.app.services.usage.checkBudget(task.id)).toEqual({ ok: true });
    await record({ taskId: task.id, model: "m1", usage: usage(400, 100, null) });
    const check = await s.app.services.usage.checkBudget(task.id);
    expect(check).toMatchObject({ ok: false, spentUsd: 0, spentTokens: 1000, maxCostUsd: null, maxTokens: 1000 });
    expect(check.ok ? "" : check.reason).toMatch(/Token budget spent/);
    expect((await s.ok(TaskUsageDocument, { id: task.id })).task).toMatchObject({ maxTokens: 1000, maxCostUsd: null });
  });

  it("a task without limits is always within budget; an unknown task is NOT_FOUND", async () => {
    expect(await s.app.services.usage.checkBudget(t1)).toEqual({ ok: true });
    await expect(s.app.services.usage.checkBudget("01a211fa-0000-7000-8000-000000000000")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("rejects bad budgets and report ranges with typed errors, writing nothing", async () => {
    const tasksBefore = await s.app.db.read.count(TaskRecord, null);
    const callsBefore = await s.app.db.read.count(ModelCallRecord, null);
    const send = (input: { maxCostUsd?: number; maxTokens?: number }) =>
      s.gql(CreateBudgetTaskDocument, { input: { title: "bad", complexity: 1, ...input } });
    expectError(await send({ maxCostUsd: -1 }), "BAD_USER_INPUT", "maxCostUsd");
    expectError(await send({ maxCostUsd: 0 }), "BAD_USER_INPUT", "maxCostUsd");
    expectError(await send({ maxCostUsd: 1_000_001 }), "BAD_USER_INPUT", "maxCostUsd");
    expectError(await send({ maxTokens: 0 }), "BAD_USER_INPUT", "maxTokens");
    expectError(await send({ maxTokens: 1_000_000_001 }), "BAD_USER_INPUT", "maxTokens");

    const reportOf = (from: string, to: string) => s.gql(UsageReportDocument, { from, to, groupBy: "MODEL" });
    expectError(await reportOf(rangeTo, rangeFrom), "BAD_USER_INPUT", "to");
    expectError(await reportOf(rangeFrom, rangeFrom), "BAD_USER_INPUT", "to");
    expectError(await reportOf("2025-01-01T00:00:00.000Z", "2026-01-02T00:00:00.001Z"), "BAD_USER_INPUT", "to");
    expect((await reportOf("2025-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z")).errors).toBeUndefined();

    expect(await s.app.db.read.count(TaskRecord, null)).toBe(tasksBefore);
    expect(await s.app.db.read.count(ModelCallRecord, null)).toBe(callsBefore);
  });
});
