import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandOutputDocument,
  CommandRunDocument,
  CommandRunsDocument,
  CreateApiKeyDocument,
  ListFilesDocument,
  ReadFileDocument,
  TaskChangedDocument,
  TaskConversationDocument,
  TaskDocument,
  TaskEventsDocument,
  TasksDocument,
  ToolCallByIdDocument,
  ToolCallsDocument,
  UpdateTaskDocument,
  WorkspaceDocument,
} from "../generated/graphql.js";
import { hasBwrap, hostileWorkspace, outputUntil, startPython, type HostileWorkspace } from "../helpers/hostile.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

describe.skipIf(!hasBwrap)("one agent's key and another agent's work [sqlite]", () => {
  let s: TestServer;
  let mine: HostileWorkspace;
  let theirs: HostileWorkspace;
  let theirRun = "";
  let theirCall = "";
  const secret = `their secret ${process.pid}`;

  beforeAll(async () => {
    s = await startTestServer("sqlite", { workers: 1 });
    mine = await hostileWorkspace(s, 3);
    theirs = await hostileWorkspace(s, 4);
    theirRun = await startPython(s, theirs, `print(${JSON.stringify(secret)})`, ["--token", secret]);
    await outputUntil(s, theirRun, null);
    await s.ok(ListFilesDocument, { workspaceId: theirs.workspaceId, path: "." }, theirs.agentKey);
    const calls = await s.ok(ToolCallsDocument, { taskId: theirs.taskId, first: 10 });
    theirCall = calls.toolCalls.edges[0]?.node.id ?? "";
    expect(theirCall).not.toBe("");
  });
  afterAll(() => s?.stop());

  it("reads none of it: tasks, events, runs, output, tool calls, conversation, workspace", async () => {
    const key = mine.agentKey;
    expect((await s.ok(TaskDocument, { id: theirs.taskId }, key)).task).toBeNull();
    expect((await s.ok(TaskConversationDocument, { id: theirs.taskId }, key)).task).toBeNull();
    const listed = (await s.ok(TasksDocument, { first: 100 }, key)).tasks;
    expect(listed.edges.map((e) => e.node.id)).toEqual([mine.taskId]);
    expect(listed.totalCount).toBe(1);
    expect((await s.ok(CommandRunsDocument, { taskId: theirs.taskId }, key)).commandRuns).toEqual([]);
    expect((await s.ok(CommandRunDocument, { id: theirRun }, key)).commandRun).toBeNull();
    expect((await s.ok(ToolCallByIdDocument, { id: theirCall }, key)).toolCall).toBeNull();
    expect((await s.gql(ToolCallsDocument, { taskId: theirs.taskId }, key)).errors?.[0]?.extensions?.code).toBe(
      "FORBIDDEN",
    );
    expect((await s.ok(WorkspaceDocument, { id: theirs.workspaceId }, key)).workspace).toBeNull();
    const read = await s.gql(ReadFileDocument, { workspaceId: theirs.workspaceId, path: "README.md" }, key);
    expect(read.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    for (const feed of [
      collect(s.ws(key), TaskEventsDocument, { taskId: theirs.taskId, afterSeq: 0 }),
      collect(s.ws(key), CommandOutputDocument, { runId: theirRun, afterSeq: 0 }),
    ]) {
      await feed.ended;
      expect(feed.items).toEqual([]);
      expect(JSON.stringify(feed.errors)).toContain("FORBIDDEN");
    }
    // Live changes: only its own tasks (a change of theirs, then one of mine; only mine arrives).
    // A change of mine shows the subscription is live (the first may come before it is), then one
    // of theirs and one of mine: changes arrive in order, so theirs would come before mine.
    const changes = collect(s.ws(key), TaskChangedDocument, {});
    for (let i = 0; changes.items.length === 0; i++) {
      await s.ok(UpdateTaskDocument, { id: mine.taskId, input: { title: `mine ${i}` } });
      await changes.waitFor(1, 2_000).catch(() => undefined);
      if (i > 20) throw new Error("taskChanged delivered nothing");
    }
    const seen = changes.items.length;
    await s.ok(UpdateTaskDocument, { id: theirs.taskId, input: { title: "theirs, renamed" } });
    await s.ok(UpdateTaskDocument, { id: mine.taskId, input: { title: "mine, renamed" } });
    await changes.waitFor(seen + 1);
    changes.stop();
    expect(changes.items.map((c) => c.taskChanged.id)).toEqual(changes.items.map(() => mine.taskId));
  });

  it("still sees its own work", async () => {
    const own = (await s.ok(TaskDocument, { id: mine.taskId, first: 100 }, mine.agentKey)).task;
    expect(own?.id).toBe(mine.taskId);
    expect(own?.events.length).toBeGreaterThan(0);
  });

  it("lets a person read a workspace without writing onto its task", async () => {
    const viewer = (await s.ok(CreateApiKeyDocument, { input: { name: "looker", role: "VIEWER" } })).createApiKey.key;
    const before = (await s.ok(TaskDocument, { id: mine.taskId, first: 500 })).task?.lastEventSeq;
    await s.ok(ReadFileDocument, { workspaceId: mine.workspaceId, path: "README.md" }, viewer);
    await s.ok(ListFilesDocument, { workspaceId: mine.workspaceId, path: "." }, viewer);
    const after = (await s.ok(TaskDocument, { id: mine.taskId, first: 500 })).task;
    expect(after?.lastEventSeq).toBe(before);
    expect(after?.events.map((e) => e.type)).not.toContain("TOOL_CALL");
  });
});
