import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  AgentAssignmentsDocument,
  ApproveTaskDocument,
  PauseTaskDocument,
  ResumeTaskDocument,
  SendTaskMessageDocument,
  UpdateTaskDocument,
  AgentDocument,
  AgentHeartbeatDocument,
  CreateApiKeyDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  ToolCallsDocument,
  UpdateTaskStatusDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

describeProfiles("an external agent", (profile) => {
  let s: TestServer;
  let agentId: string;
  let agentKey: string;

  beforeAll(async () => {
    s = await startTestServer(profile, { workers: 1, sweepIntervalMs: 300 });
    agentId = (
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: "outside-1", kind: "EXTERNAL", minComplexity: 1, maxComplexity: 5, maxConcurrentTasks: 5 },
      })
    ).createAgent.id;
    agentKey = (await s.ok(CreateApiKeyDocument, { input: { name: "outside-1 key", role: "AGENT", agentId } }))
      .createApiKey.key;
  });
  afterAll(() => s?.stop());

  it("receives its work over graphql-ws and completes a task through the API", async () => {
    const ws = s.ws(agentKey);
    const feed = collect(ws, AgentAssignmentsDocument, {});
    await s.ok(AgentHeartbeatDocument, { id: agentId }, agentKey);
    const task = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "done from outside", complexity: 3 } }))
      .createTask;
    expect(task.assignedAgent?.id).toBe(agentId);

    const [assignment] = await feed.waitFor(1, 15_000);
    expect(assignment!.agentAssignments.id).toBe(task.id);
    expect(assignment!.agentAssignments.workspace?.status).toBe("READY");
    const workspaceId = assignment!.agentAssignments.workspace!.id;

    // The tool mutations and the state machine, with the agent's own key.
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "BUILD" }, agentKey);
    await s.ok(
      WriteFileDocument,
      { input: { workspaceId, path: "output/result.txt", content: "made outside" } },
      agentKey,
    );
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "TEST" }, agentKey);
    await s.ok(AgentHeartbeatDocument, { id: agentId }, agentKey);
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "REVIEW" }, agentKey);
    await s.ok(UpdateTaskStatusDocument, { id: task.id, status: "COMPLETE", note: "result in output/" }, agentKey);

    const done = (await s.ok(RuntimeTaskDocument, { id: task.id })).task!;
    expect(done.status).toBe("COMPLETE");
    expect(done.summary).toBe("result in output/");
    expect(readFileSync(join(done.workspace!.path, "output", "result.txt"), "utf8")).toBe("made outside");
    const calls = (await s.ok(ToolCallsDocument, { taskId: task.id })).toolCalls.edges.map((e) => e.node);
    expect(calls.map((c) => [c.tool, c.callerName, c.status])).toEqual([["writeFile", "outside-1 key", "SUCCEEDED"]]);
    // No builtin runtime touched it: no model conversation.
    expect(done.conversation).toEqual([]);
    const agent = (await s.ok(AgentDocument, { id: agentId })).agent!;
    expect(agent.status).toBe("AVAILABLE");
    expect(agent.activeTasks).toBe(0);

    // The next task arrives on the same subscription, live.
    const next = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "second", complexity: 2 } })).createTask;
    const items = await feed.waitFor(2, 15_000);
    expect(items[1]!.agentAssignments.id).toBe(next.id);
    expect(items).toHaveLength(2);
    feed.stop();
  });

  it("an AGENT key follows only its own agent; a VIEWER key none", async () => {
    const otherId = (
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: "outside-2", kind: "EXTERNAL", minComplexity: 9, maxComplexity: 9 },
      })
    ).createAgent.id;
    const otherKey = (
      await s.ok(CreateApiKeyDocument, { input: { name: "outside-2 key", role: "AGENT", agentId: otherId } })
    ).createApiKey.key;
    const viewerKey = (await s.ok(CreateApiKeyDocument, { input: { name: "viewer", role: "VIEWER" } })).createApiKey
      .key;

    const spy = collect(s.ws(otherKey), AgentAssignmentsDocument, { agentId });
    await spy.ended;
    expect(JSON.stringify(spy.errors)).toContain("FORBIDDEN");
    const viewer = collect(s.ws(viewerKey), AgentAssignmentsDocument, { agentId });
    await viewer.ended;
    expect(JSON.stringify(viewer.errors)).toContain("FORBIDDEN");
    // An operator may follow any agent by id.
    const operator = collect(s.ws(), AgentAssignmentsDocument, { agentId });
    const held = await operator.waitFor(1, 10_000);
    expect(held[0]!.agentAssignments.title).toBe("second");
    operator.stop();
  });

  it("roles: viewers may not steer tasks, an agent key only its own agent's, operators all", async () => {
    const viewerKey = (await s.ok(CreateApiKeyDocument, { input: { name: "viewer 2", role: "VIEWER" } })).createApiKey
      .key;
    const operatorKey = (await s.ok(CreateApiKeyDocument, { input: { name: "operator", role: "OPERATOR" } }))
      .createApiKey.key;
    const strangerId = (
      await s.ok(CreateRuntimeAgentDocument, {
        input: { name: "stranger", kind: "EXTERNAL", minComplexity: 7, maxComplexity: 7 },
      })
    ).createAgent.id;
    const strangerKey = (
      await s.ok(CreateApiKeyDocument, { input: { name: "stranger key", role: "AGENT", agentId: strangerId } })
    ).createApiKey.key;
    const own = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "own", complexity: 4 } })).createTask;
    expect(own.assignedAgent?.id).toBe(agentId);
    const code = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
      r.errors?.[0]?.extensions?.code ?? "ok";

    for (const key of [viewerKey, agentKey]) {
      expect(code(await s.gql(SendTaskMessageDocument, { taskId: own.id, text: "hi" }, key))).toBe("FORBIDDEN");
      expect(code(await s.gql(ApproveTaskDocument, { id: own.id }, key))).toBe("FORBIDDEN");
      expect(code(await s.gql(UpdateTaskDocument, { id: own.id, input: { priority: 5 } }, key))).toBe("FORBIDDEN");
    }
    expect(code(await s.gql(PauseTaskDocument, { id: own.id }, viewerKey))).toBe("FORBIDDEN");
    expect(code(await s.gql(PauseTaskDocument, { id: own.id }, strangerKey))).toBe("FORBIDDEN");
    expect(code(await s.gql(PauseTaskDocument, { id: own.id, reason: "my call" }, agentKey))).toBe("ok");
    expect(code(await s.gql(ResumeTaskDocument, { id: own.id }, strangerKey))).toBe("FORBIDDEN");
    expect(code(await s.gql(ResumeTaskDocument, { id: own.id }, operatorKey))).toBe("ok");
    expect(code(await s.gql(SendTaskMessageDocument, { taskId: own.id, text: "from ops" }, operatorKey))).toBe("ok");
    expect(code(await s.gql(UpdateTaskDocument, { id: own.id, input: { priority: 9 } }, operatorKey))).toBe("ok");
    const after = (await s.ok(RuntimeTaskDocument, { id: own.id })).task!;
    expect(after.pendingMessages.map((m) => m.text)).toEqual(["from ops"]);
    expect(after.pausedAt).toBeNull();
  });
});
