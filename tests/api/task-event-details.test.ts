import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import {
  ApproveTaskDocument,
  CommandRunDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  MeDocument,
  PauseAgentDocument,
  PauseTaskDocument,
  ResumeTaskDocument,
  RunCommandDocument,
  SendTaskMessageDocument,
  TaskEventDetailsDocument,
  TaskEventDetailsLiveDocument,
  ToolCallsDocument,
  UnassignTaskDocument,
  UpdateTaskDocument,
  UpdateTaskStatusDocument,
  WriteFileDocument,
  type TaskEventDetailsQuery,
} from "../generated/graphql.js";
import { errorTurn } from "../helpers/fake-openrouter.js";
import { callTurn } from "../helpers/model-turns.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect } from "../helpers/server.js";
import { runtimeSuite, sleep, until, waitFor } from "../helpers/runtime.js";

type EventView = NonNullable<TaskEventDetailsQuery["task"]>["events"][number];

const hasBwrap = existsSync("/usr/bin/bwrap");

/** The union member each event type's details are. */
const detailsType: Record<string, string> = {
  STATUS_CHANGE: "StatusChangeDetails",
  MESSAGE: "MessageDetails",
  TOOL_CALL: "ToolCallDetails",
  TOOL_OUTPUT: "ToolOutputDetails",
  PROGRESS: "ProgressDetails",
  ERROR: "ErrorDetails",
};

describeProfiles("task event details", (profile) => {
  const suite = runtimeSuite(profile);

  const eventsOf = async (taskId: string): Promise<EventView[]> =>
    (await suite.s.ok(TaskEventDetailsDocument, { id: taskId })).task!.events;
  const details = <T extends string>(events: EventView[], typename: T) =>
    events.flatMap((e) =>
      e.details?.__typename === typename
        ? [{ ...e, details: e.details as Extract<typeof e.details, { __typename: T }> }]
        : [],
    );

  /** Every event the service wrote has details of its type's member. */
  function expectAllTyped(events: EventView[]): void {
    for (const e of events)
      expect({ seq: e.seq, type: e.type, is: e.details?.__typename }).toEqual({
        seq: e.seq,
        type: e.type,
        is: detailsType[e.type],
      });
  }

  it("types the events of a task worked over the API: created, assigned, message, pause, resume, update, tool call, command, back to the queue, a move", async () => {
    const { s } = suite;
    const me = (await s.ok(MeDocument)).me.name;
    const agent = (
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: "outside", kind: "EXTERNAL", minComplexity: 4, maxComplexity: 4 },
      })
    ).createAgent;
    const task = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "by hand", complexity: 4 } })).createTask;
    const live = collect(s.ws(), TaskEventDetailsLiveDocument, { taskId: task.id });
    const ready = await until(s, task.id, (t) => t.workspace?.status === "READY", "workspace READY");
    const workspaceId = ready.workspace!.id;

    const message = (await s.ok(SendTaskMessageDocument, { taskId: task.id, text: "hello" })).sendTaskMessage;
    await s.ok(PauseTaskDocument, { id: task.id, reason: "coffee" });
    await s.ok(ResumeTaskDocument, { id: task.id });
    await s.ok(UpdateTaskDocument, { id: task.id, input: { priority: 50 } });
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "notes.txt", content: "x" } });
    let runId: string | null = null;
    if (hasBwrap) {
      runId = (await s.ok(RunCommandDocument, { input: { workspaceId, program: "python3", args: ["-c", "print(1)"] } }))
        .runCommand.id;
      await waitFor(
        async () => (await s.ok(CommandRunDocument, { id: runId! })).commandRun?.status !== "RUNNING",
        "the run's end",
      );
    }
    // Paused, the agent does not take the task back when it is unassigned.
    await s.ok(PauseAgentDocument, { id: agent.id });
    await s.ok(UnassignTaskDocument, { taskId: task.id });
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "FAILED", note: "given up" });

    let events: EventView[] = [];
    await waitFor(async () => {
      events = await eventsOf(task.id);
      return events.at(-1)?.type === "STATUS_CHANGE" && events.at(-1)?.details?.__typename === "StatusChangeDetails";
    }, "the last event");
    expectAllTyped(events);

    const moves = details(events, "StatusChangeDetails").map((e) => e.details);
    expect(moves[0]).toMatchObject({ from: null, to: "PENDING", by: null, awaitingApproval: false, paused: null });
    expect(moves[1]).toMatchObject({
      from: "PENDING",
      to: "DESIGN",
      agentId: agent.id,
      agentName: "outside",
      by: null,
    });
    expect(moves).toContainEqual(
      expect.objectContaining({ from: "DESIGN", to: "DESIGN", paused: true, pauseReason: "coffee", by: me }),
    );
    expect(moves).toContainEqual(expect.objectContaining({ from: "DESIGN", to: "DESIGN", paused: false, by: me }));
    expect(moves).toContainEqual(
      expect.objectContaining({
        from: "DESIGN",
        to: "PENDING",
        requeueReason: "UNASSIGNED",
        agentId: agent.id,
        by: me,
      }),
    );
    expect(moves.at(-1)).toMatchObject({
      from: "PENDING",
      to: "FAILED",
      note: "given up",
      by: me,
      requeueReason: null,
    });

    const [said] = details(events, "MessageDetails");
    expect(said?.details).toEqual({
      __typename: "MessageDetails",
      role: "USER",
      author: me,
      messageId: message.id,
      step: null,
      part: null,
    });

    const progress = details(events, "ProgressDetails").map((e) => e.details);
    expect(progress).toContainEqual(
      expect.objectContaining({ workspaceId, path: ready.workspace!.path, updated: null, progressBy: null }),
    );
    expect(progress).toContainEqual(expect.objectContaining({ updated: ["priority"], progressBy: me }));

    // A call over the API names its ToolCall row.
    const calls = (await s.ok(ToolCallsDocument, { taskId: task.id, first: 50 })).toolCalls.edges.map((e) => e.node);
    const write = calls.find((c) => c.tool === "writeFile")!;
    expect(details(events, "ToolCallDetails").map((e) => e.details)).toContainEqual({
      __typename: "ToolCallDetails",
      toolCallId: write.id,
      tool: "writeFile",
      callBy: me,
    });

    if (runId) {
      const ended = details(events, "ToolOutputDetails").find((e) => e.details.runId === runId && e.details.status);
      expect(ended?.details).toMatchObject({
        runId,
        status: "SUCCEEDED",
        exitCode: 0,
        stdoutBytes: 2,
        stderrBytes: 0,
        running: false,
        waiting: false,
        interrupted: false,
        outputTool: null,
      });
      expect(ended?.details.durationMs).toBeGreaterThanOrEqual(0);
    }

    // The live stream resolves the same details.
    await live.waitFor(events.length);
    expect(live.items.map((i) => i.taskEvents.details)).toEqual(events.map((e) => e.details));
    live.stop();
  });

  it("types the builtin runtime's events: a failed model attempt, streamed text, its tool calls and results, a request for approval", async () => {
    const { s, fake } = suite;
    const me = (await s.ok(MeDocument)).me.name;
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: "builder", kind: "BUILTIN", minComplexity: 2, maxComplexity: 2, requiresApproval: true },
    });
    fake.scriptModel(
      "m1",
      errorTurn(429, "errors/429_provider_rate_limited.recorded.json"),
      callTurn(
        [
          ["writeFile", { path: "plan.md", content: "# Plan" }],
          ["set_phase", { phase: "BUILD" }],
        ],
        { text: "Planning first." },
      ),
      callTurn([["set_phase", { phase: "TEST" }]]),
      callTurn([["set_phase", { phase: "REVIEW" }]]),
      callTurn([["complete_task", { summary: "planned it" }]]),
    );
    const task = (
      await s.ok(CreateRuntimeTaskDocument, { input: { title: "run", description: "plan", complexity: 2 } })
    ).createTask;
    await until(s, task.id, (t) => t.awaitingApproval, "waiting for approval");
    await s.ok(ApproveTaskDocument, { id: task.id });
    // The last result (complete_task's) lands after the status change: wait for it.
    let events = await eventsOf(task.id);
    for (const end = Date.now() + 30_000; Date.now() < end; events = await eventsOf(task.id)) {
      if (details(events, "ToolOutputDetails").some((e) => e.details.outputTool === "complete_task")) break;
      await sleep(20);
    }
    expectAllTyped(events);

    const [failed] = details(events, "ErrorDetails");
    expect(failed?.details).toMatchObject({
      model: "m1",
      attempt: 1,
      outcome: "RETRY",
      errorKind: "RATE_LIMITED",
      waitingForChange: false,
    });

    const text = details(events, "MessageDetails");
    expect(text.map((e) => e.content).join("")).toBe("Planning first.");
    expect(text.map((e) => e.details)).toEqual(
      text.map((_, i) => expect.objectContaining({ role: "ASSISTANT", step: 1, part: i + 1, author: null })),
    );

    const calls = details(events, "ToolCallDetails").map((e) => e.details);
    expect(calls.map((c) => c.tool)).toEqual(["writeFile", "set_phase", "set_phase", "set_phase", "complete_task"]);
    expect(calls.every((c) => c.callBy === "builder")).toBe(true);
    // Each result answers its call by the model's id.
    const results = details(events, "ToolOutputDetails").map((e) => e.details);
    expect(results.map((r) => [r.outputTool, r.outputToolCallId])).toEqual(calls.map((c) => [c.tool, c.toolCallId]));

    const moves = details(events, "StatusChangeDetails").map((e) => e.details);
    expect(moves).toContainEqual(
      expect.objectContaining({
        from: "REVIEW",
        to: "REVIEW",
        awaitingApproval: true,
        summary: "planned it",
        by: "builder",
      }),
    );
    expect(moves.at(-1)).toMatchObject({ from: "REVIEW", to: "COMPLETE", by: me, awaitingApproval: false });
    expect(details(events, "ProgressDetails").map((e) => e.details.workspaceId)).toHaveLength(1);
  });

  it("gives null details, and no error, for data that does not fit its event type", async () => {
    const { s } = suite;
    const task = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "legacy", complexity: 9 } })).createTask;
    const add = (type: EventView["type"], data?: unknown) =>
      s.app.services.tasks.addEvent(task.id, { type, content: "written before", data: data as never }, null);
    await add("ASSIGNMENT", { agentId: "a" }); // never written by the service: no member
    await add("STATUS_CHANGE", { to: "SOMEWHERE" });
    await add("TOOL_CALL", "a string");
    await add("MESSAGE");
    await add("PROGRESS", [1, 2]);
    await add("TOOL_OUTPUT", { runId: "r1", status: "EXPLODED", exitCode: 1.5, running: "yes" });
    await add("ERROR");

    const events = (await eventsOf(task.id)).slice(1);
    expect(events.map((e) => [e.type, e.details?.__typename ?? null])).toEqual([
      ["ASSIGNMENT", null],
      ["STATUS_CHANGE", null],
      ["TOOL_CALL", null],
      ["MESSAGE", null],
      ["PROGRESS", null],
      ["TOOL_OUTPUT", "ToolOutputDetails"],
      ["ERROR", "ErrorDetails"],
    ]);
    // A field that does not fit is left out, the rest kept.
    expect(events[5]!.details).toMatchObject({ runId: "r1", status: null, exitCode: null, running: false });
    expect(events[6]!.details).toMatchObject({ waitingForChange: false, model: null, outcome: null });
  });
});
