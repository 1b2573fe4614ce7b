import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  ToolCallsDocument,
  type RuntimeTaskQuery,
} from "../generated/graphql.js";
import {
  errorTurn,
  midStreamErrorFrames,
  startFakeOpenRouter,
  type FakeOpenRouter,
} from "../helpers/fake-openrouter.js";
import { callTurn, conversationOf, TURN_COST, TURN_TOKENS } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type TaskView = NonNullable<RuntimeTaskQuery["task"]>;
type EventView = TaskView["events"][number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusTargets = (events: EventView[]) =>
  events.filter((e) => e.type === "STATUS_CHANGE").map((e) => (e.data as { to?: string } | null)?.to);

export async function startRuntimeServer(
  profile: "sqlite" | "postgres",
  fake: FakeOpenRouter,
  env: Record<string, string> = {},
): Promise<TestServer> {
  return startTestServer(profile, {
    workers: 2,
    sweepIntervalMs: 300,
    modelRuntime: { backoffBaseMs: 5, streamFlushMs: 20 },
    env: {
      OPENROUTER_BASE_URL: fake.url,
      OPENROUTER_API_KEY: "sk-or-test-key-0123456789",
      MODEL_DEFAULT: "m1",
      ...env,
    },
  });
}

/** Reads the task until `done` says so. */
async function until(s: TestServer, id: string, done: (t: TaskView) => boolean, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  let last: TaskView | null | undefined;
  while (Date.now() < end) {
    last = (await s.ok(RuntimeTaskDocument, { id })).task;
    if (last && done(last)) return last;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
}

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
    expect(done.conversation[0]!.role).toBe("user");
    expect(done.conversation.filter((m) => m.role === "assistant")).toHaveLength(6);
    expect(done.conversation.filter((m) => m.role === "tool")).toHaveLength(7);
  }, 40_000);
});
