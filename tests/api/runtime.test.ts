import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CreateRuntimeAgentDocument,
  CancelTaskDocument,
  CommandRunsDocument,
  CreateRuntimeTaskDocument,
  ResumeTaskDocument,
  RuntimeTaskDocument,
  UpdateTaskDocument,
  ToolCallsDocument,
} from "../generated/graphql.js";
import {
  errorTurn,
  midStreamErrorFrames,
  startFakeOpenRouter,
  type FakeOpenRouter,
} from "../helpers/fake-openrouter.js";
import { callTurn, conversationOf, TURN_COST, TURN_TOKENS } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import type { TestServer } from "../helpers/server.js";
import { sleep, startRuntimeServer, statusTargets, until, waitFor, type TaskView } from "../helpers/runtime.js";

describeProfiles("agent runtime", (profile) => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  let agentName: string;
  let n = 0;

  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, fake);
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });
  afterEach(() => {
    expect(fake.pending(), "every scripted turn was used").toBe(0);
  });

  /** A fresh builtin agent, so each test's task goes to its own agent. */
  async function agent(extra: Record<string, unknown> = {}) {
    agentName = `builder-${++n}`;
    return (
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: agentName, kind: "BUILTIN", minComplexity: n, maxComplexity: n, ...extra },
      })
    ).createAgent;
  }
  const task = async (title: string, extra: Record<string, unknown> = {}) =>
    (await s.ok(CreateRuntimeTaskDocument, { input: { title, description: "Say hello", complexity: n, ...extra } }))
      .createTask;

  it("runs a task DESIGN → BUILD → TEST → REVIEW → COMPLETE, writing files and running a command", async () => {
    await agent({ instructions: "You write small Python programs." });
    const requestsBefore = fake.requests.length;
    fake.script(
      callTurn(
        [
          ["writeFile", { path: "research/design.md", content: "# Plan\nprint hello" }],
          ["set_phase", { phase: "BUILD" }],
        ],
        { text: "I will plan first, then build." },
      ),
      callTurn([["writeFile", { path: "src/hello.py", content: "print('hello from the sandbox')\n" }]]),
      callTurn([["set_phase", { phase: "TEST" }]], { stream: false }),
      callTurn([["runCommand", { program: "python3", args: ["src/hello.py"] }]]),
      callTurn([["set_phase", { phase: "REVIEW", note: "it prints" }]]),
      callTurn([["complete_task", { summary: "src/hello.py prints hello" }]]),
    );
    const t = await task("hello world");
    expect(t.status).toBe("DESIGN");
    await until(s, t.id, (x) => x.status === "COMPLETE", "COMPLETE");
    await sleep(300); // the last result and README write land after the status change
    const done = (await s.ok(RuntimeTaskDocument, { id: t.id })).task!;

    expect(statusTargets(done.events)).toEqual(["PENDING", "DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE"]);
    expect(done.summary).toBe("src/hello.py prints hello");
    expect(done.events.map((e) => e.seq)).toEqual(done.events.map((_, i) => i + 1));
    // Streamed text arrived as MESSAGE events, in order, and adds up to what the model said.
    const text = done.events
      .filter((e) => e.type === "MESSAGE" && (e.data as { role?: string }).role === "assistant")
      .map((e) => e.content)
      .join("");
    expect(text).toBe("I will plan first, then build.");
    // Each registry tool call is a TOOL_CALL event and a ToolCall row; each result a TOOL_OUTPUT event.
    const toolEvents = done.events.filter((e) => e.type === "TOOL_CALL").map((e) => (e.data as { tool: string }).tool);
    expect(toolEvents).toEqual([
      "writeFile",
      "set_phase",
      "writeFile",
      "set_phase",
      "runCommand",
      "set_phase",
      "complete_task",
    ]);
    const results = done.events.filter(
      (e) => e.type === "TOOL_OUTPUT" && (e.data as { toolCallId?: string }).toolCallId,
    );
    expect(results).toHaveLength(7);
    const output = done.events.find(
      (e) => e.type === "TOOL_OUTPUT" && (e.data as { tool: string }).tool === "runCommand",
    );
    expect(output?.content).toContain("hello from the sandbox");
    const calls = (await s.ok(ToolCallsDocument, { taskId: t.id, first: 50 })).toolCalls;
    expect(calls.edges.map((e) => `${e.node.tool}:${e.node.status}`).sort()).toEqual(
      ["runCommand:SUCCEEDED", "writeFile:SUCCEEDED", "writeFile:SUCCEEDED"].sort(),
    );
    expect(calls.edges.every((e) => e.node.callerName === agentName)).toBe(true);

    // The files are in the sandboxed workspace, and its README's checklist is up to date.
    const root = done.workspace!.path;
    expect(readFileSync(join(root, "src", "hello.py"), "utf8")).toContain("hello from the sandbox");
    expect(existsSync(join(root, "research", "design.md"))).toBe(true);
    expect(readFileSync(join(root, "README.md"), "utf8")).toMatch(/\[x\] Complete/i);

    // The model saw the tools (without workspaceId), the agent's role and each result.
    const requests = fake.requests.slice(requestsBefore);
    expect(requests).toHaveLength(6);
    const first = requests[0]!.body;
    const tools = (first.tools as Array<{ function: { name: string; parameters: { properties?: object } } }>).map(
      (x) => x.function,
    );
    expect(tools.map((x) => x.name)).toEqual(
      expect.arrayContaining(["readFile", "writeFile", "runCommand", "set_phase", "complete_task", "fail_task"]),
    );
    expect(tools.every((x) => !("workspaceId" in (x.parameters.properties ?? {})))).toBe(true);
    const sys = (first.messages as Array<{ role: string; content: string }>)[0]!;
    expect(sys.role).toBe("system");
    expect(sys.content).toContain("You write small Python programs.");
    expect(sys.content).toContain("hello world");
    expect(requests[0]!.headers.authorization).toBe("Bearer sk-or-test-key-0123456789");
    // Each request's prompt shows the README as it is after the step before: its status line
    // follows the phase the agent moved to (DESIGN, then BUILD after the first turn, …).
    const readmeStatus = (i: number) =>
      /- \*\*Status:\*\* (\w+)/.exec((requests[i]!.body.messages as Array<{ content: string }>)[0]!.content)?.[1];
    expect(requests.map((_, i) => readmeStatus(i))).toEqual(["DESIGN", "BUILD", "BUILD", "TEST", "TEST", "REVIEW"]);
    const fifth = conversationOf(requests[4]!.body);
    expect(fifth.toolResults.some((r) => r.includes("hello from the sandbox"))).toBe(true);
    // Every request carries every earlier turn: nothing was lost between steps.
    for (let i = 1; i < requests.length; i++) {
      const prev = conversationOf(requests[i - 1]!.body).messages.length;
      expect(conversationOf(requests[i]!.body).messages.length).toBeGreaterThan(prev);
    }

    // Usage: one recorded call per turn, with the provider's tokens and cost.
    expect(done.usage.calls).toBe(6);
    expect(done.usage.totalTokens).toBe(6 * TURN_TOKENS);
    expect(done.usage.costUsd).toBeCloseTo(6 * TURN_COST, 10);
    // The conversation is stored: user, then assistant/tool messages per step.
    expect(done.conversation[0]!.role).toBe("USER");
    expect(done.conversation.filter((m) => m.role === "ASSISTANT")).toHaveLength(6);
    expect(done.conversation.filter((m) => m.role === "TOOL")).toHaveLength(7);
  }, 40_000);

  const modelsAsked = (from: number) => fake.requests.slice(from).map((r) => r.model);
  const errorEvents = (t: TaskView) => t.events.filter((e) => e.type === "ERROR").map((e) => e.content);

  it("falls back on 429, on 502 and on a mid-stream error chunk, reaching the next model, and records every attempt", async () => {
    await agent();
    const from = fake.requests.length;
    const rateLimited = () => errorTurn(429, "errors/429_provider_rate_limited.recorded.json");
    const badGateway = () => errorTurn(502, "errors/503_provider_no_available_workers.reconstructed.json");
    const midStream = () => ({ type: "sse" as const, frames: midStreamErrorFrames() });
    // MODEL_RETRIES=1: two attempts per model, then the next model of the task's chain.
    fake.scriptModel("m1", rateLimited(), rateLimited(), badGateway(), badGateway(), midStream(), midStream());
    fake.scriptModel(
      "m2",
      callTurn([["set_phase", { phase: "BUILD" }]]),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["fail_task", { reason: "fallback test over" }]]),
    );
    const t = await task("fallback", { model: "m1,m2" });
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED");
    expect(modelsAsked(from)).toEqual(["m1", "m1", "m2", "m1", "m1", "m2", "m1", "m1", "m2"]);
    expect(statusTargets(done.events)).toEqual(["PENDING", "DESIGN", "BUILD", "TEST", "FAILED"]);
    const errors = errorEvents(done);
    expect(errors.filter((e) => e.includes("RATE_LIMITED 429"))).toHaveLength(2);
    expect(errors.filter((e) => e.includes("SERVER 502"))).toHaveLength(2);
    expect(errors.filter((e) => e.includes("(STREAM)"))).toHaveLength(2);
    expect(errors.filter((e) => e.endsWith("trying the next model"))).toHaveLength(3);
    // Nine attempts stored; the mid-stream errors carried usage, the successes their cost.
    expect(done.usage.calls).toBe(9);
    expect(done.usage.costUsd).toBeGreaterThanOrEqual(3 * TURN_COST);
  });

  it("402 pauses the task with an event that says so; resumeTask carries on", async () => {
    await agent();
    fake.scriptModel("m1", errorTurn(402, "errors/402_requires_more_credits.json"));
    const t = await task("no credits");
    const paused = await until(s, t.id, (x) => x.pausedAt !== null, "paused");
    expect(paused.status).toBe("DESIGN");
    expect(paused.pauseReason).toMatch(/402 Payment Required.*no credits/);
    expect(paused.events.at(-1)!.content).toMatch(/^Paused: The model provider answered 402/);
    const from = fake.requests.length;
    await sleep(700); // sweeps run: a paused task is left alone
    expect(fake.requests.length).toBe(from);
    fake.scriptModel("m1", callTurn([["fail_task", { reason: "stop here" }]]));
    await s.ok(ResumeTaskDocument, { id: t.id });
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED after resume");
    expect(done.pausedAt).toBeNull();
    expect(modelsAsked(from)).toEqual(["m1"]);
  });

  it("401 fails the task with a clear event, without the key in it", async () => {
    await agent();
    fake.scriptModel("m1", errorTurn(401, "errors/401_user_not_found.json"));
    const t = await task("bad key");
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED");
    const last = done.events.filter((e) => e.type === "STATUS_CHANGE").at(-1)!;
    expect(last.content).toMatch(/401 Unauthorized.*check OPENROUTER_API_KEY/);
    expect(JSON.stringify(done.events)).not.toContain("sk-or-test-key");
    expect(done.usage.calls).toBe(1);
  });

  it("stops at the cost budget before the call that would overspend, and at the token budget", async () => {
    await agent();
    const from = fake.requests.length;
    fake.scriptModel("m1", callTurn([["set_phase", { phase: "BUILD" }]]), callTurn([["set_phase", { phase: "TEST" }]]));
    const t = await task("budget", { maxCostUsd: TURN_COST * 1.5 });
    const paused = await until(s, t.id, (x) => x.pausedAt !== null, "paused by the budget");
    expect(paused.pauseReason).toMatch(/^Cost budget spent/);
    expect(modelsAsked(from)).toHaveLength(2);
    // Never more than one call past the budget.
    expect(paused.usage.costUsd).toBeLessThanOrEqual(TURN_COST * 1.5 + TURN_COST);
    expect(paused.status).toBe("TEST");

    await agent();
    fake.scriptModel("m1", callTurn([["set_phase", { phase: "BUILD" }]]));
    const t2 = await task("token budget", { maxTokens: TURN_TOKENS });
    const p2 = await until(s, t2.id, (x) => x.pausedAt !== null, "paused by the token budget");
    expect(p2.pauseReason).toMatch(/^Token budget spent: \d+ of \d+ tokens/);
    expect(p2.usage.totalTokens).toBe(TURN_TOKENS);

    // Raising the budget and resuming goes on.
    fake.scriptModel("m1", callTurn([["fail_task", { reason: "budget test over" }]]));
    await s.ok(UpdateTaskDocument, { id: t2.id, input: { maxTokens: TURN_TOKENS * 10 } });
    await s.ok(ResumeTaskDocument, { id: t2.id });
    await until(s, t2.id, (x) => x.status === "FAILED", "FAILED after a raised budget");
  });

  it("answers the third identical call with a corrective message and stops the task at the fourth", async () => {
    await agent();
    const same = () => callTurn([["readFile", { path: "README.md" }]]);
    fake.scriptModel("m1", same(), same(), same(), same());
    const from = fake.requests.length;
    const t = await task("loop");
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED by the loop stop");
    expect(statusTargets(done.events).at(-1)).toBe("FAILED");
    expect(done.events.filter((e) => e.type === "STATUS_CHANGE").at(-1)!.content).toMatch(
      /Stopped in a loop: readFile was called 4 times in a row/,
    );
    expect(errorEvents(done).some((e) => e.startsWith("Loop warning: readFile called 3 times"))).toBe(true);
    const fourth = conversationOf(fake.requests[from + 3]!.body);
    expect(fourth.toolResults.at(-1)).toMatch(/Not run: you have called readFile 3 times in a row/);
    // Only the first two ran.
    const calls = (await s.ok(ToolCallsDocument, { taskId: t.id, first: 50 })).toolCalls;
    expect(calls.totalCount).toBe(2);
  });

  it("cancelling a task during a model stream closes the stream at once", async () => {
    await agent();
    const frames = (callTurn([["set_phase", { phase: "BUILD" }]]) as { frames: string[] }).frames;
    fake.scriptModel("m1", { type: "sse", frames, stallAfter: 3 });
    const from = fake.requests.length;
    const t = await task("cancel mid-stream");
    await waitFor(() => fake.requests.length > from, "the model request");
    const req = fake.requests[from]!;
    await sleep(100);
    expect(req.outcome).toBe("pending");
    await s.ok(CancelTaskDocument, { id: t.id });
    expect(await Promise.race([req.settled, sleep(2_000).then(() => "still open")])).toBe("client-closed");
    await sleep(300);
    expect(fake.requests.length).toBe(from + 1);
    const done = (await s.ok(RuntimeTaskDocument, { id: t.id })).task!;
    expect(done.status).toBe("CANCELLED");
    expect(done.conversation.filter((m) => m.role === "ASSISTANT")).toHaveLength(0);
  });

  it("cancelling a task during a command kills the command and asks the model nothing more", async () => {
    await agent();
    fake.scriptModel("m1", callTurn([["runCommand", { program: "sleep", args: ["30"] }]]));
    const from = fake.requests.length;
    const t = await task("cancel mid-command");
    let runId = "";
    await waitFor(async () => {
      const runs = (await s.ok(CommandRunsDocument, { taskId: t.id })).commandRuns;
      runId = runs[0]?.status === "RUNNING" ? runs[0].id : "";
      return runId !== "";
    }, "the command to run");
    const t0 = Date.now();
    await s.ok(CancelTaskDocument, { id: t.id });
    await waitFor(
      async () => (await s.ok(CommandRunsDocument, { taskId: t.id })).commandRuns[0]?.status !== "RUNNING",
      "the command to end",
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await s.ok(CommandRunsDocument, { taskId: t.id })).commandRuns[0]?.status).toBe("CANCELLED");
    await sleep(300);
    expect(fake.requests.length).toBe(from + 1);
    expect((await s.ok(RuntimeTaskDocument, { id: t.id })).task!.status).toBe("CANCELLED");
  });
});

describe("model selection and limits in the runtime [sqlite]", () => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer("sqlite", fake, {
      MODEL_DEFAULT: "fallback-model",
      MODEL_TIERS: "1-5:cheap-model;6-10:strong-model",
      MODEL_PROVIDER: '{"sort":"price","allow_fallbacks":true}',
      AGENT_MAX_STEPS: "3",
      MODEL_FALLBACK: "openrouter",
    });
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });

  it("asks the task's model, else the agent's, else its complexity tier, and passes provider preferences", async () => {
    const cases = [
      { complexity: 2, agentModel: null, taskModel: null, expected: "cheap-model" },
      { complexity: 8, agentModel: null, taskModel: null, expected: "strong-model" },
      { complexity: 3, agentModel: "agent-model", taskModel: null, expected: "agent-model" },
      { complexity: 4, agentModel: "agent-model-2", taskModel: "task-model", expected: "task-model" },
    ];
    for (const [i, c] of cases.entries()) {
      await s.ok(CreateRuntimeAgentDocument, {
        input: {
          name: `selector-${i}`,
          kind: "BUILTIN",
          minComplexity: c.complexity,
          maxComplexity: c.complexity,
          ...(c.agentModel ? { model: c.agentModel } : {}),
        },
      });
      fake.scriptModel(c.expected, callTurn([["fail_task", { reason: "selection checked" }]]));
      const from = fake.requests.length;
      const t = (
        await s.ok(CreateRuntimeTaskDocument, {
          input: { title: `select ${i}`, complexity: c.complexity, ...(c.taskModel ? { model: c.taskModel } : {}) },
        })
      ).createTask;
      await until(s, t.id, (x) => x.status === "FAILED", `task ${i} to end`);
      expect(fake.requests.slice(from).map((r) => r.model)).toEqual([c.expected]);
      expect(fake.requests[from]!.body.provider).toEqual({ sort: "price", allow_fallbacks: true });
      // MODEL_FALLBACK=openrouter: the rest of the chain goes along as OpenRouter's `models`.
      expect((fake.requests[from]!.body.models as string[])[0]).toBe(c.expected);
      expect(fake.requests[from]!.body.models).toContain("fallback-model");
    }
    expect(fake.pending()).toBe(0);
  });

  it("stops a task at the step limit, with an event saying so", async () => {
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "limited", kind: "BUILTIN", minComplexity: 10, maxComplexity: 10, model: "limit-model" },
    });
    fake.scriptModel(
      "limit-model",
      ...[1, 2, 3].map((i) => callTurn([["writeFile", { path: `notes/${i}.txt`, content: `${i}` }]])),
    );
    const t = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "endless", complexity: 10 } })).createTask;
    const done = await until(s, t.id, (x) => x.status === "FAILED", "the step limit");
    expect(done.events.filter((e) => e.type === "STATUS_CHANGE").at(-1)!.content).toMatch(
      /Stopped: the step limit of 3 model turns was reached/,
    );
    expect(done.usage.calls).toBe(3);
    expect(fake.pending()).toBe(0);
  });
});
