import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentsDocument,
  ApproveTaskDocument,
  PauseTaskDocument,
  RejectTaskDocument,
  ResumeTaskDocument,
  SendTaskMessageDocument,
  UpdateTaskDocument,
  CancelTaskDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  RevokeApiKeyDocument,
  TasksDocument,
  UpdateAgentDocument,
  UpdateTaskStatusDocument,
  type TaskStatus,
} from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type GqlResult, type TestServer } from "../helpers/server.js";

/** Ids made in beforeAll that the cases refer to. */
interface Fixture {
  /** Agent "alpha", complexity 2..5. */
  alphaId: string;
  /** Agent "beta", complexity 1..10. */
  betaId: string;
  pendingId: string;
  cancelledId: string;
  revokedKeyId: string;
  revokedKey: string;
}

interface Expectation {
  code: string;
  /** extensions.field; omitted for GraphQL coercion errors, which name no field of ours. */
  field?: string;
  /** HTTP status: 200 for errors raised while executing and for bad keys, 400 for variable coercion. */
  status: number;
  message?: RegExp;
  extensions?: Record<string, unknown>;
}

/** Sends one typed operation (over HTTP POST or over graphql-ws) with the admin key unless told. */
type Send = TestServer["gql"];

interface Case {
  name: string;
  run: (send: Send, f: Fixture) => Promise<GqlResult<unknown>>;
  expect: Expectation;
}

const unknownId = "01a211fa-0000-7000-8000-000000000000";
const kb100 = "x".repeat(100 * 1024);
/** For values GraphQL's own coercion must reject: the generated types rightly forbid them. */
const untyped = <T>(v: unknown): T => v as T;

const statuses: TaskStatus[] = ["PENDING", "DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE", "FAILED", "CANCELLED"];

const bad = (code: string, field: string | undefined, extra: Partial<Expectation> = {}): Expectation => ({
  code,
  ...(field === undefined ? {} : { field }),
  status: 200,
  ...extra,
});
const input = (field: string, extra: Partial<Expectation> = {}) => bad("BAD_USER_INPUT", field, extra);
/** Rejected by GraphQL's variable coercion before any resolver runs. */
const coercion = (message: RegExp) => bad("BAD_USER_INPUT", undefined, { status: 400, message });

/** The people-in-the-loop and runtime settings mutations. */
const runtimeCases: Case[] = [
  ...(
    [
      ["unknown task", (_f: Fixture) => unknownId, "hello", bad("NOT_FOUND", "taskId")],
      ["empty text", (f: Fixture) => f.pendingId, "  ", input("text", { message: /must not be empty/ })],
      ["100 KB text", (f: Fixture) => f.pendingId, kb100, input("text", { message: /at most 20000/ })],
      ["a cancelled task", (f: Fixture) => f.cancelledId, "hello", bad("CONFLICT", "taskId", { message: /CANCELLED/ })],
    ] as const
  ).map(([name, id, text, exp]): Case => ({
    name: `sendTaskMessage: ${name}`,
    run: (send, f) => send(SendTaskMessageDocument, { taskId: id(f), text }),
    expect: exp,
  })),
  {
    name: "pauseTask: a PENDING task",
    run: (send, f) => send(PauseTaskDocument, { id: f.pendingId }),
    expect: bad("CONFLICT", "id", { message: /Only a task at work can be paused/ }),
  },
  {
    name: "pauseTask: unknown id",
    run: (send) => send(PauseTaskDocument, { id: unknownId }),
    expect: bad("NOT_FOUND", "id"),
  },
  {
    name: "pauseTask: 100 KB reason",
    run: (send, f) => send(PauseTaskDocument, { id: f.pendingId, reason: kb100 }),
    expect: input("reason"),
  },
  {
    name: "resumeTask: a task that is not paused",
    run: (send, f) => send(ResumeTaskDocument, { id: f.pendingId }),
    expect: bad("CONFLICT", "id", { message: /not paused/ }),
  },
  {
    name: "approveTask: a task that does not wait for approval",
    run: (send, f) => send(ApproveTaskDocument, { id: f.pendingId }),
    expect: bad("CONFLICT", "id", { message: /not waiting for approval/ }),
  },
  {
    name: "approveTask: unknown id",
    run: (send) => send(ApproveTaskDocument, { id: unknownId }),
    expect: bad("NOT_FOUND", "id"),
  },
  {
    name: "rejectTask: empty feedback",
    run: (send, f) => send(RejectTaskDocument, { id: f.pendingId, feedback: "" }),
    expect: input("feedback"),
  },
  {
    name: "rejectTask: a task that does not wait for approval",
    run: (send, f) => send(RejectTaskDocument, { id: f.pendingId, feedback: "redo" }),
    expect: bad("CONFLICT", "id"),
  },
  ...(
    [
      ["maxCostUsd 0", { maxCostUsd: 0 }, input("maxCostUsd", { message: /more than 0/ })],
      ["maxCostUsd negative", { maxCostUsd: -1 }, input("maxCostUsd")],
      ["maxTokens 0", { maxTokens: 0 }, input("maxTokens")],
      ["priority 101", { priority: 101 }, input("priority")],
      ["a model id with a space", { model: "gpt 4" }, input("model", { message: /not a model id/ })],
      ["an empty title", { title: "" }, input("title")],
    ] as const
  ).map(([name, vars, exp]): Case => ({
    name: `updateTask: ${name}`,
    run: (send, f) => send(UpdateTaskDocument, { id: f.pendingId, input: vars }),
    expect: exp,
  })),
  {
    name: "updateTask: unknown id",
    run: (send) => send(UpdateTaskDocument, { id: unknownId, input: { priority: 3 } }),
    expect: bad("NOT_FOUND", "id"),
  },
  ...(
    [
      ["a model list with an empty entry", { name: "m0", model: "a,,b" }, input("model")],
      ["a tool id that is not one", { name: "m1", tools: untyped<string[]>(["rm -rf"]) }, input("tools")],
      ["100 KB instructions", { name: "m2", instructions: kb100 }, input("instructions")],
    ] as const
  ).map(([name, vars, exp]): Case => ({
    name: `createAgent: ${name}`,
    run: (send) => send(CreateAgentDocument, { input: vars }),
    expect: exp,
  })),
  {
    name: "createTask: every bad field at once (title, complexity, priority, model)",
    run: (send) => send(CreateTaskDocument, { input: { title: "  ", complexity: 11, priority: 101, model: "gpt 4" } }),
    expect: input("title", {
      message: /^title: must not be empty; complexity: must be between 1 and 10 \(got 11\); priority: .*; model: /,
      extensions: {
        fields: [
          { path: "title", message: "must not be empty" },
          { path: "complexity", message: "must be between 1 and 10 (got 11)" },
          { path: "priority", message: "must be between 0 and 100 (got 101)" },
          { path: "model", message: expect.stringContaining("is not a model id") },
        ],
      },
    }),
  },
  {
    name: "createAgent: every bad field at once (name, range, slots, tools)",
    run: (send) =>
      send(CreateAgentDocument, {
        input: { name: "", minComplexity: 0, maxConcurrentTasks: 0, tools: untyped<string[]>(["rm -rf"]) },
      }),
    expect: input("name", {
      extensions: {
        fields: [
          { path: "name", message: "must not be empty" },
          { path: "minComplexity", message: expect.stringMatching(/^must be between 1 and 10/) },
          { path: "maxConcurrentTasks", message: expect.stringMatching(/^must be between/) },
          { path: "tools", message: expect.stringContaining("is not a tool id") },
        ],
      },
    }),
  },
  {
    name: "updateTask: every bad field at once",
    run: (send, f) => send(UpdateTaskDocument, { id: f.pendingId, input: { title: "", maxTokens: 0, maxCostUsd: -1 } }),
    expect: input("title", {
      extensions: {
        fields: [
          { path: "title", message: "must not be empty" },
          { path: "maxCostUsd", message: expect.stringMatching(/^must be more than 0/) },
          { path: "maxTokens", message: expect.stringMatching(/^must be between 1 and/) },
        ],
      },
    }),
  },
  {
    name: "createTask: a model id with a slash at the start",
    run: (send) => send(CreateTaskDocument, { input: { title: "m", complexity: 1, model: "/etc/passwd" } }),
    expect: input("model"),
  },
];

const cases: Case[] = [
  // createAgent
  ...(
    [
      ["empty name", { name: "" }, input("name", { message: /must not be empty/ })],
      ["whitespace-only name", { name: " \t\n " }, input("name", { message: /must not be empty/ })],
      ["101-character name", { name: "n".repeat(101) }, input("name", { message: /at most 100/ })],
      ["100 KB name", { name: kb100 }, input("name", { message: /at most 100/ })],
      ["NUL in name", { name: "a\u0000b" }, input("name", { message: /NUL/ })],
      ["minComplexity 0", { name: "n0", minComplexity: 0 }, input("minComplexity", { message: /between 1 and 10/ })],
      ["minComplexity 11", { name: "n1", minComplexity: 11 }, input("minComplexity")],
      ["maxComplexity 0", { name: "n2", maxComplexity: 0 }, input("maxComplexity")],
      ["maxComplexity 11", { name: "n3", maxComplexity: 11 }, input("maxComplexity")],
      ["min > max", { name: "n4", minComplexity: 7, maxComplexity: 3 }, input("minComplexity", { message: /7 > 3/ })],
      ["min > default max", { name: "n5", minComplexity: 10, maxComplexity: 9 }, input("minComplexity")],
      ["duplicate name", { name: "alpha" }, bad("CONFLICT", "name", { message: /already exists/ })],
      ["duplicate name after trimming", { name: "  alpha " }, bad("CONFLICT", "name")],
      ["complexity 1.5", { name: "n6", minComplexity: untyped<number>(1.5) }, coercion(/Int cannot represent/)],
      [
        "name missing",
        untyped<{ name: string }>({}),
        coercion(/Field "name" of required type "String!" was not provided/),
      ],
    ] as const
  ).map(([name, vars, exp]): Case => ({
    name: `createAgent: ${name}`,
    run: (send) => send(CreateAgentDocument, { input: vars }),
    expect: exp,
  })),

  // updateAgent
  ...(
    [
      ["unknown id", () => unknownId, {}, bad("NOT_FOUND", "id", { message: /does not exist/ })],
      ["malformed id", () => "abc", {}, bad("NOT_FOUND", "id")],
      ["100 KB id", () => kb100, {}, bad("NOT_FOUND", "id", { message: /^Agent "x{64}…" does not exist$/ })],
      ["minComplexity 0", (f: Fixture) => f.alphaId, { minComplexity: 0 }, input("minComplexity")],
      ["maxComplexity 11", (f: Fixture) => f.alphaId, { maxComplexity: 11 }, input("maxComplexity")],
      ["min above the stored max", (f: Fixture) => f.alphaId, { minComplexity: 6 }, input("minComplexity")],
      ["max below the stored min", (f: Fixture) => f.alphaId, { maxComplexity: 1 }, input("minComplexity")],
      ["empty name", (f: Fixture) => f.alphaId, { name: "" }, input("name")],
      ["another agent's name", (f: Fixture) => f.betaId, { name: "alpha" }, bad("CONFLICT", "name")],
    ] as const
  ).map(([name, id, vars, exp]): Case => ({
    name: `updateAgent: ${name}`,
    run: (send, f) => send(UpdateAgentDocument, { id: id(f), input: vars }),
    expect: exp,
  })),

  // createTask
  ...(
    [
      ["empty title", { title: "", complexity: 3 }, input("title", { message: /must not be empty/ })],
      ["whitespace-only title", { title: "   ", complexity: 3 }, input("title", { message: /must not be empty/ })],
      ["201-character title", { title: "t".repeat(201), complexity: 3 }, input("title", { message: /at most 200/ })],
      ["100 KB title", { title: kb100, complexity: 3 }, input("title", { message: /at most 200/ })],
      ["NUL in title", { title: "a\u0000", complexity: 3 }, input("title")],
      ["complexity 0", { title: "t", complexity: 0 }, input("complexity", { message: /between 1 and 10/ })],
      ["complexity 11", { title: "t", complexity: 11 }, input("complexity")],
      ["complexity 1.5", { title: "t", complexity: untyped<number>(1.5) }, coercion(/Int cannot represent/)],
      ['complexity "x"', { title: "t", complexity: untyped<number>("x") }, coercion(/Int cannot represent/)],
      // graphql-js quotes the bad value (twice); the formatter leaves it out (it may be a secret)
      [
        "complexity a 100 KB string",
        { title: "t", complexity: untyped<number>(kb100) },
        coercion(
          /^Variable "\$input" got an invalid value at "input.complexity" \(not shown\); Int cannot represent non-integer value\.$/,
        ),
      ],
      ["complexity 2^31", { title: "t", complexity: 2 ** 31 }, coercion(/32-bit/)],
      [
        "complexity null",
        { title: "t", complexity: untyped<number>(null) },
        coercion(/Expected non-nullable type "Int!" not to be null/),
      ],
      ["priority -1", { title: "t", complexity: 3, priority: -1 }, input("priority", { message: /between 0 and 100/ })],
      ["priority 101", { title: "t", complexity: 3, priority: 101 }, input("priority")],
      [
        "20,001-character description",
        { title: "t", complexity: 3, description: "d".repeat(20_001) },
        input("description"),
      ],
      ["unknown parentId", { title: "t", complexity: 3, parentId: unknownId }, bad("NOT_FOUND", "parentId")],
      ["malformed parentId", { title: "t", complexity: 3, parentId: "abc" }, bad("NOT_FOUND", "parentId")],
    ] as const
  ).map(([name, vars, exp]): Case => ({
    name: `createTask: ${name}`,
    run: (send) => send(CreateTaskDocument, { input: vars }),
    expect: exp,
  })),

  // updateTaskStatus and cancelTask
  {
    name: "updateTaskStatus: unknown id",
    run: (send) => send(UpdateTaskStatusDocument, { id: unknownId, status: "DESIGN" }),
    expect: bad("NOT_FOUND", "id"),
  },
  {
    name: "updateTaskStatus: malformed id",
    run: (send) => send(UpdateTaskStatusDocument, { id: "abc", status: "DESIGN" }),
    expect: bad("NOT_FOUND", "id"),
  },
  {
    name: "updateTaskStatus: PENDING → COMPLETE names the allowed targets",
    run: (send, f) => send(UpdateTaskStatusDocument, { id: f.pendingId, status: "COMPLETE" }),
    expect: bad("INVALID_TRANSITION", "status", {
      message: /from PENDING to COMPLETE; allowed: FAILED, CANCELLED/,
      extensions: { from: "PENDING", to: "COMPLETE", allowed: ["FAILED", "CANCELLED"] },
    }),
  },
  {
    name: "updateTaskStatus: PENDING → PENDING",
    run: (send, f) => send(UpdateTaskStatusDocument, { id: f.pendingId, status: "PENDING" }),
    expect: bad("INVALID_TRANSITION", "status", { extensions: { allowed: ["FAILED", "CANCELLED"] } }),
  },
  ...statuses.map((to): Case => ({
    name: `updateTaskStatus: CANCELLED → ${to}`,
    run: (send, f) => send(UpdateTaskStatusDocument, { id: f.cancelledId, status: to }),
    expect: bad("INVALID_TRANSITION", "status", {
      message: /CANCELLED task cannot change status \(it is final\)/,
      extensions: { from: "CANCELLED", to, allowed: [] },
    }),
  })),
  {
    name: "updateTaskStatus: 10,001-character note",
    run: (send, f) => send(UpdateTaskStatusDocument, { id: f.pendingId, status: "DESIGN", note: "n".repeat(10_001) }),
    expect: input("note", { message: /at most 10000/ }),
  },
  {
    name: "updateTaskStatus: unknown status",
    run: (send, f) => send(UpdateTaskStatusDocument, { id: f.pendingId, status: untyped<TaskStatus>("DONE") }),
    expect: coercion(/Value "DONE" does not exist in "TaskStatus" enum/),
  },
  {
    name: "cancelTask: a task already cancelled",
    run: (send, f) => send(CancelTaskDocument, { id: f.cancelledId }),
    expect: bad("INVALID_TRANSITION", "status", { extensions: { from: "CANCELLED", to: "CANCELLED", allowed: [] } }),
  },
  {
    name: "cancelTask: unknown id",
    run: (send) => send(CancelTaskDocument, { id: unknownId }),
    expect: bad("NOT_FOUND", "id"),
  },

  // createApiKey and revokeApiKey
  {
    name: "createApiKey: empty name",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "", role: "VIEWER" } }),
    expect: input("name"),
  },
  {
    name: "createApiKey: 101-character name",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "k".repeat(101), role: "VIEWER" } }),
    expect: input("name"),
  },
  {
    name: "createApiKey: AGENT role without agentId",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "k", role: "AGENT" } }),
    expect: input("agentId", { message: /required for an AGENT key/ }),
  },
  {
    name: "createApiKey: agentId on an OPERATOR key",
    run: (send, f) => send(CreateApiKeyDocument, { input: { name: "k", role: "OPERATOR", agentId: f.alphaId } }),
    expect: input("agentId", { message: /only be set for an AGENT key/ }),
  },
  {
    name: "createApiKey: unknown agentId",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "k", role: "AGENT", agentId: unknownId } }),
    expect: bad("NOT_FOUND", "agentId"),
  },
  {
    name: "createApiKey: malformed agentId",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "k", role: "AGENT", agentId: "abc" } }),
    expect: bad("NOT_FOUND", "agentId"),
  },
  {
    name: "createApiKey: unknown role",
    run: (send) => send(CreateApiKeyDocument, { input: { name: "k", role: untyped<"ADMIN">("ROOT") } }),
    expect: coercion(/Value "ROOT" does not exist in "Role" enum/),
  },
  {
    name: "revokeApiKey: unknown id",
    run: (send) => send(RevokeApiKeyDocument, { id: unknownId }),
    expect: bad("NOT_FOUND", "id"),
  },
  {
    name: "revokeApiKey: a key already revoked",
    run: (send, f) => send(RevokeApiKeyDocument, { id: f.revokedKeyId }),
    expect: bad("CONFLICT", "id", { message: /already revoked/ }),
  },

  // keys
  {
    name: "a revoked key used for a mutation",
    run: (send, f) => send(CreateTaskDocument, { input: { title: "t", complexity: 3 } }, f.revokedKey),
    expect: { code: "UNAUTHENTICATED", status: 200, message: /unknown or revoked/ },
  },
  {
    name: "a made-up key used for a mutation",
    run: (send) => send(CreateTaskDocument, { input: { title: "t", complexity: 3 } }, `ak_${"A".repeat(43)}`),
    expect: { code: "UNAUTHENTICATED", status: 200 },
  },

  // pagination arguments
  {
    name: "tasks(first: 101)",
    run: (send) => send(TasksDocument, { first: 101 }),
    expect: input("first", { message: /between 0 and 100/ }),
  },
  {
    name: "tasks(first: -1)",
    run: (send) => send(TasksDocument, { first: -1 }),
    expect: input("first"),
  },
  {
    name: 'tasks(after: "garbage")',
    run: (send) => send(TasksDocument, { after: "garbage" }),
    expect: input("after", { message: /not a cursor/ }),
  },
  {
    name: "tasks(after: a 100 KB cursor)",
    run: (send) => send(TasksDocument, { after: kb100 }),
    expect: input("after"),
  },
  {
    name: "agents(first: 101)",
    run: (send) => send(AgentsDocument, { first: 101 }),
    expect: input("first"),
  },
];

/** Subset run over graphql-ws too: the same formatter must give the same codes there. */
const overWebSocket = [
  "createTask: empty title",
  "createTask: complexity 1.5",
  "createTask: complexity a 100 KB string",
  "updateAgent: 100 KB id",
  "createAgent: duplicate name",
  "updateTaskStatus: PENDING → COMPLETE names the allowed targets",
  "updateTaskStatus: unknown status",
  "tasks(first: 101)",
];

/** What a client sees must be readable: no stack, no source paths, no SQL, no internals, not huge. */
function expectReadable(errors: readonly GraphQLFormattedError[]): void {
  const text = JSON.stringify(errors);
  expect(text).not.toContain("    at ");
  expect(text).not.toContain(".ts:");
  expect(text).not.toContain(".js:");
  expect(text).not.toMatch(/stacktrace|exception/);
  expect(text).not.toMatch(/\b(select|insert into|update|delete from)\b .*\b(from|set|values|where)\b/i);
  for (const e of errors) {
    expect(e.message).not.toMatch(/Internal server error|\[object Object\]|undefined|NaN/);
    expect(e.message.length).toBeGreaterThan(10);
    expect(e.message.length).toBeLessThanOrEqual(1_000);
  }
}

function expectError(errors: readonly GraphQLFormattedError[] | undefined, exp: Expectation): void {
  expect(errors).toHaveLength(1);
  const e = errors![0]!;
  expect(e.extensions?.code).toBe(exp.code);
  if (exp.field !== undefined) expect(e.extensions?.field).toBe(exp.field);
  // Every BAD_USER_INPUT of ours lists its fields (one or more), the one in `field` first.
  if (exp.code === "BAD_USER_INPUT" && exp.field !== undefined) {
    expect((e.extensions?.fields as Array<{ path: string }> | undefined)?.[0]?.path).toBe(exp.field);
  }
  if (exp.message) expect(e.message).toMatch(exp.message);
  if (exp.extensions) expect(e.extensions).toMatchObject(exp.extensions);
  expectReadable(errors!);
}

/** Runs one typed operation over graphql-ws and returns what arrived (data and/or errors). */
function wsRun<R, V>(
  client: Client,
  doc: TypedDocumentNode<R, V>,
  variables?: V,
): Promise<{ data?: R | null; errors?: GraphQLFormattedError[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: R | null; errors?: GraphQLFormattedError[] } = {};
    client.subscribe<R>(
      { query: print(doc), variables: variables as Record<string, unknown> },
      {
        next: (v) => {
          result = { data: v.data as R | null | undefined, errors: v.errors as GraphQLFormattedError[] | undefined };
        },
        error: (e) => (Array.isArray(e) ? resolve({ errors: e as GraphQLFormattedError[] }) : reject(e)),
        complete: () => resolve(result),
      },
    );
  });
}

describeProfiles("bad input", (profile) => {
  let s: TestServer;
  let f: Fixture;
  const tables = [
    "agent",
    "task",
    "task_event",
    "api_key",
    "workspace",
    "task_message",
    "agent_run",
    "run_message",
  ] as const;

  /**
   * Every row of every table. api_key.last_used_at is left out: it is written in the
   * background at most once a minute per key when a key is used, which is not a change
   * made by the rejected operation.
   */
  async function snapshot(): Promise<Record<string, unknown[]>> {
    const em = s.app.db.fork();
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      const rows = await em.execute<Record<string, unknown>[]>(`select * from ${t} order by 1`);
      out[t] = rows.map((r) => {
        const { last_used_at: _ignored, ...rest } = r;
        return rest;
      });
    }
    return out;
  }

  beforeAll(async () => {
    s = await startTestServer(profile);
    const alpha = (await s.ok(CreateAgentDocument, { input: { name: "alpha", minComplexity: 2, maxComplexity: 5 } }))
      .createAgent;
    const beta = (await s.ok(CreateAgentDocument, { input: { name: "beta", minComplexity: 6 } })).createAgent;
    // Complexity 1 fits neither agent, so the assignment engine leaves these tasks PENDING.
    const pending = (await s.ok(CreateTaskDocument, { input: { title: "pending", complexity: 1 } })).createTask;
    const cancelled = (await s.ok(CreateTaskDocument, { input: { title: "cancelled", complexity: 1 } })).createTask;
    await s.ok(CancelTaskDocument, { id: cancelled.id });
    const created = (await s.ok(CreateApiKeyDocument, { input: { name: "to revoke", role: "OPERATOR" } })).createApiKey;
    // the key works before it is revoked
    expect((await s.gql(TasksDocument, { first: 1 }, created.key)).errors).toBeUndefined();
    await s.ok(RevokeApiKeyDocument, { id: created.apiKey.id });
    f = {
      alphaId: alpha.id,
      betaId: beta.id,
      pendingId: pending.id,
      cancelledId: cancelled.id,
      revokedKeyId: created.apiKey.id,
      revokedKey: created.key,
    };
  });
  afterAll(() => s?.stop());

  it("the fixture is in the database (so 'unchanged' compares something)", async () => {
    const snap = await snapshot();
    expect(snap.agent).toHaveLength(2);
    expect(snap.task).toHaveLength(2);
    expect(snap.task_event).toHaveLength(3);
    expect(snap.api_key).toHaveLength(2);
  });

  describe("over HTTP", () => {
    for (const c of [...cases, ...runtimeCases]) {
      it(`${c.name} → ${c.expect.code}${c.expect.field ? ` (${c.expect.field})` : ""}`, async () => {
        const before = await snapshot();
        const r = await c.run(s.gql, f);
        expect(r.status).toBe(c.expect.status);
        expectError(r.errors, c.expect);
        expect(r.data ?? null).toBeNull();
        expect(await snapshot()).toEqual(before);
      });
    }
  });

  describe("over WebSocket", () => {
    let client: Client;
    beforeAll(() => {
      client = s.ws();
    });

    for (const name of overWebSocket) {
      const c = cases.find((x) => x.name === name);
      if (!c) throw new Error(`no case named ${name}`);
      it(`${c.name} → ${c.expect.code}`, async () => {
        const before = await snapshot();
        // Same operation, same variables, sent over graphql-ws instead of HTTP POST.
        const send: Send = async (doc, variables) => ({ status: 0, ...(await wsRun(client, doc, variables)) });
        const r = await c.run(send, f);
        expectError(r.errors, c.expect);
        expect(r.data ?? null).toBeNull();
        expect(await snapshot()).toEqual(before);
      });
    }
  });

  it("cancelTask twice: the first cancels, the second is INVALID_TRANSITION and writes nothing", async () => {
    const task = (await s.ok(CreateTaskDocument, { input: { title: "twice", complexity: 1 } })).createTask;
    const first = await s.gql(CancelTaskDocument, { id: task.id });
    expect(first.errors).toBeUndefined();
    expect(first.data?.cancelTask).toMatchObject({ status: "CANCELLED", lastEventSeq: 2 });
    const before = await snapshot();
    const second = await s.gql(CancelTaskDocument, { id: task.id });
    expectError(second.errors, bad("INVALID_TRANSITION", "status", { status: 200 }));
    expect(await snapshot()).toEqual(before);
  });

  it("a rejected input leaves the service usable: the same call with good input succeeds", async () => {
    const r = await s.gql(CreateTaskDocument, { input: { title: "  fine  ", complexity: 1, priority: 100 } });
    expect(r.errors).toBeUndefined();
    expect(r.data?.createTask).toMatchObject({ title: "fine", complexity: 1, priority: 100, status: "PENDING" });
  });
});
