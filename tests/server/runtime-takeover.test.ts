/**
 * A builtin agent's run on the cluster profile, with the model runtime in `worker` processes and
 * the fake OpenRouter in this process: the worker holding the run is SIGKILLed while a command of
 * the run is running; a fresh worker takes the job over after the lease, resumes at the last
 * completed step, settles the interrupted call without running anything twice, and finishes.
 * Skipped without TEST_DATABASE_URL.
 */
import { chmodSync } from "node:fs";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandRunsDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  ToolCallsDocument,
} from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "../helpers/fake-openrouter.js";
import { callTurn, conversationOf } from "../helpers/model-turns.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import {
  listening,
  ok as okAs,
  ProcessHarness,
  readyLine,
  sleep,
  within,
  type Proc,
  type ServerProc,
} from "../helpers/process.js";

const ADMIN_KEY = "runtime-takeover-test-admin-key-0123456789";
const LEASE_SECONDS = 3;

describe.skipIf(!pgBaseUrl)("a run taken over after its worker was SIGKILLed [postgres]", () => {
  const harness = new ProcessHarness();
  let fake: FakeOpenRouter;
  let dropDb: () => Promise<void> = async () => {};
  let env: Record<string, string>;
  let api: ServerProc;

  const spawnProc = (name: string, args: string[]): Proc =>
    harness.spawn(name, args, { ...env, DATA_DIR: harness.tempDir(`agents-${name}-`) });
  const startWorker = async (name: string) => {
    const p = spawnProc(name, ["worker"]);
    await readyLine(p, "worker started", 30_000);
    return p;
  };

  beforeAll(async () => {
    await harness.build();
    fake = await startFakeOpenRouter();
    const db = await createTestDatabase();
    dropDb = db.drop;
    // The sandbox runs commands as an unprivileged user, who must be able to reach the workspaces.
    const workspaces = harness.tempDir("agents-workspaces-");
    chmodSync(workspaces, 0o755);
    env = {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      WORKSPACES_DIR: workspaces,
      WORKSPACES_SHARED: "true",
      JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      WORKERS: "1",
      OPENROUTER_BASE_URL: fake.url,
      OPENROUTER_API_KEY: "sk-or-takeover-0123456789",
      MODEL_DEFAULT: "m1",
    };
    api = await listening(spawnProc("api", ["serve", "--no-workers"]), 30_000);
  }, 60_000);

  afterAll(async () => {
    await harness.stopAll(5_000);
    await fake?.close();
    await dropDb();
    harness.removeTempDirs();
  }, 30_000);

  it("resumes at the last completed step: no tool call repeated, no model turn lost", async () => {
    const ok = <R, V>(doc: TypedDocumentNode<R, V>, variables: V) => okAs(api, doc, variables, ADMIN_KEY);
    const w1 = await startWorker("w-1");
    fake.script(
      callTurn([
        ["writeFile", { path: "src/first.txt", content: "written once" }],
        ["runCommand", { program: "sleep", args: ["20"] }],
      ]),
      callTurn([["writeFile", { path: "src/second.txt", content: "after the takeover" }]]),
      callTurn([["fail_task", { reason: "takeover test over" }]]),
    );
    await ok(CreateRuntimeAgentDocument, { input: { name: "builtin-takeover", kind: "BUILTIN" } });
    const task = (await ok(CreateRuntimeTaskDocument, { input: { title: "survive a crash", complexity: 4 } }))
      .createTask;

    // W-1 ran the first call and is in the second (the command): kill it there.
    // (The command's row is written as it starts, its tool call marked SUCCEEDED just after: both.)
    const running = async () =>
      (await ok(CommandRunsDocument, { taskId: task.id })).commandRuns[0]?.status === "RUNNING" &&
      (await ok(ToolCallsDocument, { taskId: task.id, first: 10 })).toolCalls.edges.some(
        (e) => e.node.tool === "runCommand" && e.node.status === "SUCCEEDED",
      );
    for (const end = Date.now() + 20_000; !(await running()); await sleep(50)) {
      if (Date.now() > end) throw new Error(`the command never ran: ${w1.stdout().slice(-3000)}`);
    }
    w1.child.kill("SIGKILL");
    expect(await within(w1.exit, 5_000, "w-1 to die")).toEqual({ code: null, signal: "SIGKILL" });
    const killedAt = Date.now();
    expect(fake.requests).toHaveLength(1);

    const w2 = await startWorker("w-2");
    let done = (await ok(RuntimeTaskDocument, { id: task.id })).task!;
    for (const end = Date.now() + LEASE_SECONDS * 1000 + 15_000; done.status !== "FAILED"; await sleep(100)) {
      if (Date.now() > end) throw new Error(`not finished after the takeover: ${w2.stdout().slice(-3000)}`);
      done = (await ok(RuntimeTaskDocument, { id: task.id })).task!;
    }
    expect(Date.now() - killedAt).toBeLessThan(LEASE_SECONDS * 1000 + 15_000);

    // Three model turns in all: the one before the kill is not asked again, none is missing.
    expect(fake.requests).toHaveLength(3);
    const afterKill = conversationOf(fake.requests[1]!.body);
    const firstIds = conversationOf(fake.requests[2]!.body).assistantCalls;
    expect(afterKill.assistantCalls).toHaveLength(2);
    expect(afterKill.toolResults).toHaveLength(2);
    expect(afterKill.toolResults[1]).toMatch(/"INTERRUPTED".*This call was interrupted: the worker running it stopped/);
    expect(firstIds).toHaveLength(3);
    expect(new Set(firstIds).size).toBe(3);

    // Each of the model's tool calls ran at most once; the interrupted one is recorded as such.
    const calls = (await ok(ToolCallsDocument, { taskId: task.id, first: 50 })).toolCalls.edges.map((e) => e.node);
    expect(calls.map((c) => `${c.tool}:${c.status}:${c.errorCode ?? ""}`).sort()).toEqual(
      // runCommand's call ended when the command started; the command itself died with W-1.
      ["runCommand:SUCCEEDED:", "writeFile:SUCCEEDED:", "writeFile:SUCCEEDED:"].sort(),
    );
    const runs = (await ok(CommandRunsDocument, { taskId: task.id })).commandRuns;
    expect(runs.map((r) => r.status)).toEqual(["FAILED"]);
    expect(done.events.map((e) => e.seq)).toEqual(done.events.map((_, i) => i + 1));
    expect(done.events.some((e) => e.content === "Resumed after a worker stopped: runCommand was not run again")).toBe(
      true,
    );
    expect(w2.logs().some((l) => l.msg === "job lease expired; another worker will take it over")).toBe(true);
  }, 60_000);
});
