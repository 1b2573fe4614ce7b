import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ApproveTaskDocument,
  CommandRunsDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  PauseTaskDocument,
  RejectTaskDocument,
  ResumeTaskDocument,
  RuntimeTaskDocument,
  SendTaskMessageDocument,
} from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { callTurn, conversationOf } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { sleep, startRuntimeServer, statusTargets, until, waitFor } from "../helpers/runtime.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeProfiles("people in the loop", (profile) => {
  let fake: FakeOpenRouter;
  let s: TestServer;
  let n = 0;

  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, fake);
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });
  afterEach(() => expect(fake.pending(), "every scripted turn was used").toBe(0));

  async function agentAndTask(agentExtra: Record<string, unknown> = {}, taskExtra: Record<string, unknown> = {}) {
    n++;
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: `person-loop-${n}`, kind: "BUILTIN", minComplexity: n, maxComplexity: n, ...agentExtra },
    });
    return (await s.ok(CreateRuntimeTaskDocument, { input: { title: `task ${n}`, complexity: n, ...taskExtra } }))
      .createTask;
  }
  const requestsAfter = async (count: number, what: string) => {
    await waitFor(() => fake.requests.length >= count, what);
    return fake.requests[count - 1]!;
  };

  it("a message sent while the agent works reaches its conversation at the next step", async () => {
    const from = fake.requests.length;
    fake.script(
      callTurn([["runCommand", { program: "sleep", args: ["1"] }]]),
      callTurn([["fail_task", { reason: "message test over" }]]),
    );
    const t = await agentAndTask();
    await requestsAfter(from + 1, "the first model turn");
    const sent = (await s.ok(SendTaskMessageDocument, { taskId: t.id, text: "Please also add a README" }))
      .sendTaskMessage;
    expect(sent.deliveredAt).toBeNull();
    expect(sent.author).toBe("bootstrap admin");
    const second = await requestsAfter(from + 2, "the second model turn");
    const users = conversationOf(second.body).messages.filter((m) => m.role === "user");
    expect(users.at(-1)?.content).toBe("Message from bootstrap admin: Please also add a README");
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED");
    expect(done.pendingMessages).toEqual([]);
    expect(done.events.some((e) => e.type === "MESSAGE" && e.content === "Please also add a README")).toBe(true);
  });

  it("pauseTask stops the agent after the current tool call; resumeTask carries on from there", async () => {
    const from = fake.requests.length;
    fake.script(callTurn([["runCommand", { program: "sleep", args: ["1"] }]]));
    const t = await agentAndTask();
    await waitFor(
      async () => (await s.ok(CommandRunsDocument, { taskId: t.id })).commandRuns[0]?.status === "RUNNING",
      "the command to run",
    );
    const paused = (await s.ok(PauseTaskDocument, { id: t.id, reason: "lunch" })).pauseTask;
    expect(paused.pauseReason).toBe("lunch");
    await sleep(1_800); // the command ends; no further model turn while paused, sweeps included
    expect(fake.requests.length).toBe(from + 1);
    const mid = (await s.ok(RuntimeTaskDocument, { id: t.id })).task!;
    expect(mid.conversation.filter((m) => m.role === "TOOL")).toHaveLength(1);

    const again = await s.gql(PauseTaskDocument, { id: t.id });
    expect(again.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    fake.script(callTurn([["fail_task", { reason: "pause test over" }]]));
    await s.ok(ResumeTaskDocument, { id: t.id });
    const done = await until(s, t.id, (x) => x.status === "FAILED", "FAILED after resume");
    expect(done.events.some((e) => e.content === "Paused: lunch")).toBe(true);
    expect(done.events.some((e) => e.content === "Resumed by bootstrap admin")).toBe(true);
    const resumed = fake.requests[from + 1]!;
    expect(conversationOf(resumed.body).toolResults).toHaveLength(1);
  });

  it("approval: REVIEW waits for a person; rejectTask sends it back to BUILD with the feedback, approveTask completes it", async () => {
    const from = fake.requests.length;
    fake.script(
      callTurn([["set_phase", { phase: "BUILD" }]]),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "first try" }]]),
    );
    const t = await agentAndTask({ requiresApproval: true });
    const waiting = await until(s, t.id, (x) => x.awaitingApproval, "waiting for approval");
    expect(waiting.status).toBe("REVIEW");
    expect(waiting.summary).toBe("first try");
    await sleep(700);
    expect(fake.requests.length).toBe(from + 4); // nothing runs while it waits

    fake.script(
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "now with tests" }]]),
    );
    const rejected = (await s.ok(RejectTaskDocument, { id: t.id, feedback: "add tests" })).rejectTask;
    expect(rejected.status).toBe("BUILD");
    expect(rejected.awaitingApproval).toBe(false);
    const fifth = await requestsAfter(from + 5, "the turn after the rejection");
    expect(conversationOf(fifth.body).messages.at(-1)?.content).toContain("Feedback: add tests");
    const again = await until(s, t.id, (x) => x.awaitingApproval, "waiting for approval again");
    expect(again.summary).toBe("now with tests");

    const approved = (await s.ok(ApproveTaskDocument, { id: t.id, note: "looks good" })).approveTask;
    expect(approved.status).toBe("COMPLETE");
    const done = (await s.ok(RuntimeTaskDocument, { id: t.id })).task!;
    expect(statusTargets(done.events)).toEqual([
      "PENDING",
      "DESIGN",
      "BUILD",
      "TEST",
      "REVIEW",
      "REVIEW",
      "BUILD",
      "TEST",
      "REVIEW",
      "REVIEW",
      "COMPLETE",
    ]);
    // Approving twice, or a task that does not wait, is a CONFLICT and changes nothing.
    const twice = await s.gql(ApproveTaskDocument, { id: t.id });
    expect(twice.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });
});

describe("no model configured [sqlite]", () => {
  it("a builtin agent's task waits in DESIGN saying which setting is missing, and starts after a restart with it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "agents-nomodel-"));
    const fake = await startFakeOpenRouter();
    try {
      let s = await startTestServer("sqlite", {
        dataDir,
        keepData: true,
        workers: 1,
        sweepIntervalMs: 200,
        env: { OPENROUTER_API_KEY: "", MODEL_DEFAULT: "m1" },
      });
      let taskId: string;
      try {
        await s.ok(CreateRuntimeAgentDocument, { input: { name: "idle", kind: "BUILTIN" } });
        taskId = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "waits", complexity: 2 } })).createTask.id;
        const waiting = await until(s, taskId, (x) => x.events.some((e) => e.type === "ERROR"), "the waiting event");
        await sleep(800); // several sweeps: still one event
        const later = (await s.ok(RuntimeTaskDocument, { id: taskId })).task!;
        expect(later.status).toBe("DESIGN");
        const waits = later.events.filter((e) => e.type === "ERROR");
        expect(waits).toHaveLength(1);
        expect(waits[0]!.content).toMatch(/^Waiting for a model: OPENROUTER_API_KEY is not set/);
        expect(waiting.workspace?.status).toBe("READY");
      } finally {
        await s.stop();
      }

      fake.script(callTurn([["fail_task", { reason: "it ran" }]]));
      s = await startRuntimeServer("sqlite", fake, {}, { dataDir, keepData: true });
      try {
        const done = await until(s, taskId, (x) => x.status === "FAILED", "the task to run after the restart");
        expect(done.events.filter((e) => e.type === "STATUS_CHANGE").at(-1)?.content).toContain("it ran");
      } finally {
        await s.stop();
      }
    } finally {
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
