import { describe, expect, it } from "vitest";
import { describeEvent, foldToolCalls, newest, type TaskEventItem } from "./timeline";

let seq = 0;
function ev(
  type: TaskEventItem["type"],
  details: TaskEventItem["details"],
  content = "",
  agent?: string,
): TaskEventItem {
  seq += 1;
  return {
    id: `e${seq}`,
    seq,
    type,
    content,
    createdAt: "2026-01-01T00:00:00.000Z",
    agent: agent ? { id: "a1", name: agent } : null,
    details,
  };
}

const status = (from: string | null, to: string, extra: Record<string, unknown> = {}) =>
  ev("STATUS_CHANGE", {
    __typename: "StatusChangeDetails",
    from: from as never,
    to: to as never,
    by: "ops",
    note: null,
    paused: null,
    pauseReason: null,
    awaitingApproval: false,
    agentName: null,
    summary: null,
    ...extra,
  });

const call = (id: string, tool = "runCommand") =>
  ev("TOOL_CALL", { __typename: "ToolCallDetails", callTool: tool, callId: id, by: "bot" }, `${tool}(ls)`);

const output = (id: string | null, extra: Record<string, unknown> = {}) =>
  ev(
    "TOOL_OUTPUT",
    {
      __typename: "ToolOutputDetails",
      tool: "runCommand",
      toolCallId: id,
      runId: null,
      running: false,
      waiting: false,
      exitCode: 0,
      status: "SUCCEEDED",
      durationMs: 1500,
      interrupted: false,
      ...extra,
    },
    "file.txt",
  );

describe("describeEvent", () => {
  it("says a status change as from → to by whom", () => {
    const d = describeEvent(status("BUILD", "TEST"));
    expect(d.summary).toBe("Build → Test by ops");
    expect(d.tone).toBe("status");
  });

  it("names creation, assignment, pause, resume and approval requests", () => {
    expect(describeEvent(status(null, "PENDING", { by: null })).summary).toBe("Created in Pending");
    expect(describeEvent(status("PENDING", "DESIGN", { by: null, agentName: "bot" })).summary).toBe(
      "Pending → Design (assigned to bot)",
    );
    expect(describeEvent(status("BUILD", "BUILD", { paused: true, pauseReason: "lunch" })).summary).toBe(
      "Paused by ops: lunch",
    );
    expect(describeEvent(status("BUILD", "BUILD", { paused: false })).summary).toBe("Resumed by ops");
    const approval = describeEvent(status("REVIEW", "REVIEW", { awaitingApproval: true, summary: "did **it**" }));
    expect(approval.summary).toBe("Awaiting approval in Review");
    expect(approval.markdown).toBe("did **it**");
  });

  it("renders messages as markdown, with their author", () => {
    const user = describeEvent(
      ev("MESSAGE", { __typename: "MessageDetails", role: "USER", author: "alice", step: null, part: null }, "**hi**"),
    );
    expect(user.summary).toBe("Message from alice");
    expect(user.markdown).toBe("**hi**");
    const model = describeEvent(
      ev("MESSAGE", { __typename: "MessageDetails", role: "ASSISTANT", author: null, step: 1, part: 0 }, "ok", "bot"),
    );
    expect(model.summary).toBe("bot says");
  });

  it("highlights errors and failed runs", () => {
    const err = describeEvent(
      ev(
        "ERROR",
        {
          __typename: "ErrorDetails",
          errorKind: "RATE_LIMITED",
          model: "m1",
          outcome: "RETRY",
          waiting: false,
          tool: null,
        },
        "429",
      ),
    );
    expect(err.tone).toBe("error");
    expect(err.summary).toBe("Error (RATE_LIMITED from m1): retrying");
    expect(describeEvent(output("c", { exitCode: 2, status: "FAILED" })).tone).toBe("error");
    const ok = describeEvent(output("c"));
    expect(ok.tone).toBe("normal");
    expect(ok.summary).toBe("Result of runCommand: Succeeded (exit 0) in 2 s");
  });

  it("gives a link's URL", () => {
    const d = describeEvent(
      ev("LINK", {
        __typename: "LinkDetails",
        kind: "PULL_REQUEST",
        change: "CREATED",
        url: "https://github.com/o/r/pull/4",
        title: "Fix",
        state: "OPEN",
        repository: "o/r",
        number: 4,
        branch: null,
      }),
    );
    expect(d.summary).toBe("Linked: Pull request #4 in o/r (Open)");
    expect(d.href).toBe("https://github.com/o/r/pull/4");
  });

  it("falls back to the content when details are missing", () => {
    expect(describeEvent(ev("STATUS_CHANGE", null, "moved")).summary).toBe("moved");
    expect(describeEvent(ev("PROGRESS", null, "workspace ready")).summary).toBe("workspace ready");
  });
});

describe("foldToolCalls", () => {
  it("puts each result under its call and keeps the order", () => {
    const events = [call("a"), call("b"), output("b"), status("BUILD", "TEST"), output("a"), output(null)];
    const entries = foldToolCalls(events);
    expect(entries.map((e) => e.event.seq)).toEqual([events[0]!.seq, events[1]!.seq, events[3]!.seq, events[5]!.seq]);
    expect(entries[0]!.outputs.map((o) => o.seq)).toEqual([events[4]!.seq]);
    expect(entries[1]!.outputs.map((o) => o.seq)).toEqual([events[2]!.seq]);
    expect(entries[3]!.outputs).toEqual([]);
  });

  it("folds a command run's later news into its first line, by runId", () => {
    const waiting = output(null, { runId: "r1", waiting: true, status: null, exitCode: null });
    const other = output(null, { runId: "r2" });
    const ended = output(null, { runId: "r1" });
    const entries = foldToolCalls([waiting, other, ended]);
    expect(entries.map((e) => e.event.seq)).toEqual([waiting.seq, other.seq]);
    expect(entries[0]!.outputs.map((o) => o.seq)).toEqual([ended.seq]);
  });

  it("keeps an output whose call is not in the list as a line of its own", () => {
    const entries = foldToolCalls([output("zzz")]);
    expect(entries).toHaveLength(1);
  });
});

describe("newest", () => {
  it("keeps the last n and counts the rest", () => {
    expect(newest([1, 2, 3, 4, 5], 2)).toEqual({ shown: [4, 5], hidden: 3 });
    expect(newest([1, 2], 5)).toEqual({ shown: [1, 2], hidden: 0 });
  });
});

describe("conversation data", async () => {
  const { toolCallsOf, authorOf, prettyArguments } = await import("./conversation");
  it("reads an assistant's tool calls", () => {
    expect(toolCallsOf({ toolCalls: [{ id: "c1", name: "runCommand", arguments: '{"command":"ls"}' }] })).toEqual([
      { id: "c1", name: "runCommand", arguments: '{\n  "command": "ls"\n}' },
    ]);
    expect(toolCallsOf(null)).toEqual([]);
    expect(toolCallsOf({ toolCalls: "no" })).toEqual([]);
    expect(prettyArguments("not json")).toBe("not json");
    expect(prettyArguments({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
  it("says who wrote a message", () => {
    expect(authorOf("TOOL", { toolCallId: "c1", name: "runCommand" })).toBe("Result of runCommand");
    expect(authorOf("USER", { author: "alice" })).toBe("From alice");
    expect(authorOf("USER", null)).toBe("From the runtime");
    expect(authorOf("ASSISTANT", {})).toBe("The model");
  });
});
