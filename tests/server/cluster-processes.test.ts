/**
 * The cluster profile as an operator runs it: two API processes (`serve --no-workers`) and job
 * worker processes (`worker`) on one PostgreSQL database, each a child process of the compiled
 * build, sharing one WORKSPACES_DIR. A task created through one API node is run by a worker and
 * watched live through the other node; a worker SIGKILLed in the middle of a run has its job
 * taken over by another worker once the lease runs out; an idle worker stops cleanly on SIGTERM.
 * Skipped without TEST_DATABASE_URL.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentDocument,
  CreateAgentDocument,
  CreateTaskDocument,
  TaskDocument,
  TaskEventsDocument,
  type EventFieldsFragment,
} from "../generated/graphql.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import {
  listening,
  ok as okAs,
  ProcessHarness,
  readyLine,
  sleep,
  waitUntil,
  within,
  wsClient,
  type Proc,
  type ServerProc,
} from "../helpers/process.js";

/** One admin key for every process (each would otherwise bootstrap its own). */
const ADMIN_KEY = "cluster-processes-test-admin-key-0123456789";
const LEASE_SECONDS = 3;
/**
 * Milliseconds per phase of the scripted runtime in the worker processes. No environment
 * variable sets it (AppOptions.scriptedStepMs is only reachable in-process), so the processes
 * run with the default of 1 s: a run is 4 phases, about 4 s.
 */
const STEP_MS = 1_000;
const RUN_MS = 4 * STEP_MS;
const phases = ["DESIGN", "BUILD", "TEST", "REVIEW"] as const;
const statusPath = ["PENDING", "DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE"];

type Event = EventFieldsFragment;
const isComplete = (e: Event) => e.type === "STATUS_CHANGE" && (e.data as { to?: string } | null)?.to === "COMPLETE";
const progressOf = (phase: string) => (e: Event) =>
  e.type === "PROGRESS" && (e.data as { phase?: string } | null)?.phase === phase;
const statusTargets = (events: Event[]) =>
  events.filter((e) => e.type === "STATUS_CHANGE").map((e) => (e.data as { to?: string } | null)?.to);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.skipIf(!pgBaseUrl)("API and worker processes on one PostgreSQL [postgres]", () => {
  const harness = new ProcessHarness();
  let workspacesDir: string;
  let dropDb: () => Promise<void> = async () => {};
  let databaseUrl: string;
  let api1: ServerProc;
  let api2: ServerProc;
  let w1: Proc;
  let w2: Proc;

  /** `main.js ...args` on the shared database, workspaces and admin key, with its own DATA_DIR. */
  function spawnProc(name: string, args: string[]): Proc {
    return harness.spawn(name, args, {
      DATA_DIR: harness.tempDir(`agents-${name}-`),
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      WORKSPACES_DIR: workspacesDir,
      WORKSPACES_SHARED: "true",
      JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      WORKERS: "1",
      AGENT_RUNTIME: "scripted",
    });
  }

  async function startApi(name: string): Promise<ServerProc> {
    return listening(spawnProc(name, ["serve", "--no-workers"]), 30_000);
  }

  async function startWorker(name: string): Promise<Proc> {
    const p = spawnProc(name, ["worker"]);
    await readyLine(p, "worker started", 30_000);
    return p;
  }

  /** `ok` with the shared admin key. */
  const ok = <R, V>(s: ServerProc, doc: TypedDocumentNode<R, V>, variables: V) => okAs(s, doc, variables, ADMIN_KEY);

  /** A taskEvents subscription from seq 0 on one API process, collecting what arrives. */
  function watch(s: ServerProc, taskId: string) {
    const client = wsClient(s, ADMIN_KEY);
    const events: Event[] = [];
    const errors: unknown[] = [];
    const stop = client.subscribe(
      { query: print(TaskEventsDocument), variables: { taskId, afterSeq: 0 } },
      {
        next: (v) => {
          if (v.errors?.length) errors.push(v.errors);
          const e = (v.data as { taskEvents?: Event } | null | undefined)?.taskEvents;
          if (e) events.push(e);
        },
        error: (e) => errors.push(e),
        complete: () => {},
      },
    );
    return {
      events,
      errors,
      until: (pred: (e: Event) => boolean, what: string, timeoutMs: number) =>
        waitUntil(() => errors.length > 0 || events.some(pred), what, timeoutMs).then(() => {
          if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        }),
      async close() {
        stop();
        await client.dispose();
      },
    };
  }

  beforeAll(async () => {
    await harness.build();
    workspacesDir = harness.tempDir("agents-workspaces-");
    const db = await createTestDatabase();
    databaseUrl = db.url;
    dropDb = db.drop;
    // API-1 alone first: it applies the migrations and installs the queue schema on the empty database.
    api1 = await startApi("api-1");
    [api2, w1, w2] = await Promise.all([startApi("api-2"), startWorker("w-1"), startWorker("w-2")]);
  }, 60_000);

  afterAll(async () => {
    await harness.stopAll(5_000);
    await dropDb();
    harness.removeTempDirs();
  }, 30_000);

  let agent: { id: string; name: string };

  it("a task created through API-2 is run by a worker and seen live, complete and once, through API-1", async () => {
    agent = (
      await ok(api2, CreateAgentDocument, {
        input: { name: "builtin-1", kind: "BUILTIN", minComplexity: 1, maxComplexity: 10 },
      })
    ).createAgent;
    const task = (await ok(api2, CreateTaskDocument, { input: { title: "across nodes", complexity: 3 } })).createTask;
    expect(task.status).toBe("DESIGN");
    expect(task.assignedAgent?.id).toBe(agent.id);

    // Subscribing after the creation is fine: afterSeq 0 replays what was written meanwhile.
    const feed = watch(api1, task.id);
    try {
      await feed.until(isComplete, "COMPLETE on API-1", 20_000);
      await sleep(500); // nothing (no duplicate, no stray event) follows
    } finally {
      await feed.close();
    }
    const events = feed.events;
    expect(feed.errors).toEqual([]);
    expect(events.map((e) => e.seq)).toEqual(oneToN(events.length));
    expect(events.every((e) => e.taskId === task.id)).toBe(true);
    expect(
      events.some((e) => e.type === "STATUS_CHANGE" && e.content.startsWith("Task assigned to agent builtin-1")),
    ).toBe(true);
    expect(events.filter((e) => e.type === "PROGRESS" && e.content === "Workspace ready")).toHaveLength(1);
    for (const phase of phases) expect(events.filter(progressOf(phase)), phase).toHaveLength(1);
    expect(statusTargets(events)).toEqual(statusPath);
    expect(events.at(-1)!.type).toBe("STATUS_CHANGE");
    expect(isComplete(events.at(-1)!)).toBe(true);

    // The other node's history is the same, event for event.
    const viaApi2 = (await ok(api2, TaskDocument, { id: task.id })).task!;
    expect(viaApi2.status).toBe("COMPLETE");
    expect(viaApi2.lastEventSeq).toBe(events.length);
    expect(viaApi2.events).toEqual(events);
    expect(viaApi2.workspace?.status).toBe("READY");
    expect(viaApi2.workspace!.path.startsWith(join(workspacesDir, agent.id))).toBe(true);
    expect(existsSync(join(viaApi2.workspace!.path, "venv", "bin", "python"))).toBe(true);
  }, 40_000);

  it("an idle worker exits 0 within 10 s of SIGTERM", async () => {
    expect(w2.exited()).toBeUndefined();
    const t0 = Date.now();
    w2.child.kill("SIGTERM");
    expect(await within(w2.exit, 10_000, "w-2 to exit after SIGTERM")).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(w2.logs().some((l) => l.msg === "stopped")).toBe(true);
  }, 15_000);

  it("a worker SIGKILLed mid-run: another worker takes the job over after the lease and finishes the task", async () => {
    // W-2 is stopped, so W-1 is the only worker: the run-task job is W-1's.
    expect(w1.exited()).toBeUndefined();
    const task = (await ok(api2, CreateTaskDocument, { input: { title: "taken over", complexity: 5 } })).createTask;
    expect(task.assignedAgent?.id).toBe(agent.id);
    const feed = watch(api1, task.id);
    let w3: Proc | undefined;
    let killedAt = 0;
    let completedAt = 0;
    let statusAtKill: string | undefined;
    try {
      await feed.until(progressOf("DESIGN"), "the run to start on W-1", 20_000);
      w1.child.kill("SIGKILL");
      killedAt = Date.now();
      statusAtKill = statusTargets(feed.events).at(-1);
      expect(await within(w1.exit, 5_000, "w-1 to die")).toEqual({ code: null, signal: "SIGKILL" });

      // A fresh worker comes up while W-1's lease runs out, and takes the job over.
      w3 = await startWorker("w-3");
      const limit = LEASE_SECONDS * 1000 + 5_000 + RUN_MS;
      await feed.until(isComplete, "COMPLETE after the takeover", limit + 5_000);
      completedAt = Date.now();
      await sleep(500);
    } finally {
      await feed.close();
    }
    const events = feed.events;
    expect(statusAtKill).not.toBe("COMPLETE");
    expect(completedAt - killedAt).toBeLessThanOrEqual(LEASE_SECONDS * 1000 + 5_000 + RUN_MS);
    // W-3 (the only live worker) found the expired lease and put the job back for itself.
    expect(
      w3!.logs().some((l) => l.msg === "job lease expired; another worker will take it over" && l.job === "run-task"),
      w3!.stdout(),
    ).toBe(true);

    expect(feed.errors).toEqual([]);
    expect(events.map((e) => e.seq)).toEqual(oneToN(events.length));
    // Each status is reached once, in the legal order; only the interrupted phase's PROGRESS may repeat.
    expect(statusTargets(events)).toEqual(statusPath);
    const progress = events.filter((e) => e.type === "PROGRESS" && e.content !== "Workspace ready");
    const progressPhases = progress.map((e) => (e.data as { phase: string }).phase);
    expect([...new Set(progressPhases)]).toEqual([...phases]);
    const repeated = phases.filter((p) => progressPhases.filter((x) => x === p).length > 1);
    expect(repeated.length).toBeLessThanOrEqual(1);
    // Every PROGRESS belongs to the phase the task was in when it was written.
    let status = "PENDING";
    for (const e of events) {
      if (e.type === "STATUS_CHANGE") status = (e.data as { to: string }).to;
      else if (progress.includes(e)) expect((e.data as { phase: string }).phase, `seq ${e.seq}`).toBe(status);
    }

    const viaApi2 = (await ok(api2, TaskDocument, { id: task.id })).task!;
    expect(viaApi2.status).toBe("COMPLETE");
    expect(viaApi2.events).toEqual(events);
    // The agent's slot was given back.
    const a = (await ok(api2, AgentDocument, { id: agent.id })).agent!;
    expect(a.activeTasks).toBe(0);
    expect(a.status).toBe("AVAILABLE");
  }, 45_000);
});
