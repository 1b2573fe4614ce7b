/**
 * RETENTION_DAYS on both databases: an old finished task loses its events (but the final status
 * change and the last), its command output and its conversation; everything else is kept, and
 * recent or unfinished tasks are untouched.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import {
  CommandOutputRecord,
  CommandRunRecord,
  ModelCallRecord,
  RunMessageRecord,
  TaskEventRecord,
  type TaskRecord,
} from "../../src/domain/records.js";
import type { TaskStatus } from "../../src/domain/terms.js";
import type { Database } from "../../src/infra/db/orm.js";
import { SqlTaskEventLog } from "../../src/infra/db/stores/task-event.store.js";
import { pruneFinishedTasks, startRetention } from "../../src/jobs/retention.js";
import { describeProfiles } from "../helpers/profiles.js";
import { fixtures, storeDatabase } from "../helpers/store-db.js";

const day = 86_400_000;

describeProfiles("retention", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ db, close } = await storeDatabase(profile));
  });
  afterEach(async () => {
    await close();
  });

  /** A task with 4 events (the 3rd its final STATUS_CHANGE), 2 output chunks, 3 conversation messages and usage. */
  async function taskWithHistory(status: TaskStatus, finishedDaysAgo: number): Promise<TaskRecord> {
    const at = new Date(Date.now() - finishedDaysAgo * day);
    const task = await fixtures.task(db, {
      status,
      eventSeq: 4,
      summary: "what was done",
      updatedAt: at,
      createdAt: at,
    });
    const em = db.fork();
    const types = ["STATUS_CHANGE", "PROGRESS", "STATUS_CHANGE", "PROGRESS"] as const;
    for (const [i, type] of types.entries()) {
      await em.insert(TaskEventRecord, {
        id: newId(),
        taskId: task.id,
        seq: i + 1,
        type,
        content: `event ${i + 1}`,
        data: null,
        agentId: null,
        createdAt: at,
      } as never);
    }
    const runId = newId();
    await em.insert(CommandRunRecord, {
      id: runId,
      toolCallId: null,
      taskId: task.id,
      workspaceId: newId(),
      program: "echo",
      args: ["hi"],
      status: "SUCCEEDED",
      exitCode: 0,
      signal: null,
      limit: null,
      durationMs: 1,
      cpuTimeMs: 1,
      maxRssKb: 1,
      stdoutBytes: 6,
      stderrBytes: 0,
      truncated: false,
      sandbox: "none",
      lastOutputSeq: 2,
      createdAt: at,
      finishedAt: at,
    } as never);
    for (const seq of [1, 2]) {
      await em.insert(CommandOutputRecord, {
        id: newId(),
        runId,
        seq,
        stream: "stdout",
        data: "hi\n",
        createdAt: at,
      } as never);
    }
    for (const seq of [1, 2, 3]) {
      await em.insert(RunMessageRecord, {
        id: newId(),
        taskId: task.id,
        seq,
        role: "user",
        content: "hello",
        data: null,
        step: seq,
        createdAt: at,
      } as never);
    }
    await em.insert(ModelCallRecord, {
      id: newId(),
      taskId: task.id,
      agentId: null,
      model: "m",
      provider: null,
      attempt: 1,
      outcome: "OK",
      errorKind: null,
      promptTokens: 10,
      completionTokens: 5,
      cachedTokens: 0,
      reasoningTokens: 0,
      costUsd: 0.01,
      latencyMs: 5,
      createdAt: at,
    } as never);
    return task;
  }

  const counts = async (taskId: string) => {
    const one = async (text: string) =>
      Number((await db.fork().execute<Array<{ n: number | string }>>(text, [taskId]))[0]!.n);
    return {
      events: await one("select count(*) as n from task_event where task_id = ?"),
      outputs: await one(
        "select count(*) as n from command_output where run_id in (select id from command_run where task_id = ?)",
      ),
      runs: await one("select count(*) as n from command_run where task_id = ?"),
      messages: await one("select count(*) as n from run_message where task_id = ?"),
      usage: await one("select count(*) as n from model_call where task_id = ?"),
    };
  };
  const untouched = { events: 4, outputs: 2, runs: 1, messages: 3, usage: 1 };

  it("prunes old finished tasks in batches, keeps their record, leaves recent and unfinished ones alone", async () => {
    const old = await taskWithHistory("COMPLETE", 40);
    const oldFailed = await taskWithHistory("FAILED", 35);
    const recent = await taskWithHistory("COMPLETE", 1);
    const running = await taskWithHistory("BUILD", 40);

    const pruned = await pruneFinishedTasks(db, { before: new Date(Date.now() - 30 * day), batchSize: 1 });
    expect(pruned).toEqual({ tasks: 2, events: 4, outputChunks: 4, messages: 6 });

    for (const t of [old, oldFailed]) {
      expect(await counts(t.id)).toEqual({ events: 2, outputs: 0, runs: 1, messages: 0, usage: 1 });
    }
    expect(await counts(recent.id)).toEqual(untouched);
    expect(await counts(running.id)).toEqual(untouched);

    // The events query returns what is kept: the final status change and the last event; the
    // task's seq is unchanged, so a subscription resuming after any seq finds its place.
    const log = new SqlTaskEventLog(db.read);
    expect((await log.read(old.id, 0, 100)).map((e) => [e.seq, e.type])).toEqual([
      [3, "STATUS_CHANGE"],
      [4, "PROGRESS"],
    ]);
    expect((await log.read(old.id, 3, 100)).map((e) => e.seq)).toEqual([4]);
    expect(await log.read(old.id, 4, 100)).toEqual([]);
    const [row] = await db
      .fork()
      .execute<Array<{ summary: string; status: string; event_seq: number }>>(
        "select summary, status, event_seq from task where id = ?",
        [old.id],
      );
    expect(row).toMatchObject({ summary: "what was done", status: "COMPLETE" });
    expect(Number(row!.event_seq)).toBe(4);

    // Nothing left to do: a second pass finds no task.
    expect(await pruneFinishedTasks(db, { before: new Date(Date.now() - 30 * day) })).toEqual({
      tasks: 0,
      events: 0,
      outputChunks: 0,
      messages: 0,
    });
  });

  it("runs at start when RETENTION_DAYS is set and logs what it pruned", async () => {
    const old = await taskWithHistory("CANCELLED", 10);
    const lines: Array<{ obj: unknown; msg: string }> = [];
    const logger = {
      info: (obj: unknown, msg: string) => lines.push({ obj, msg }),
      warn: (obj: unknown, msg: string) => lines.push({ obj, msg }),
    };
    const r = startRetention({ db, logger: logger as never, days: 7 });
    await r.stop(); // waits for the run begun at start
    expect(lines).toEqual([
      {
        msg: "retention pruned finished tasks",
        obj: expect.objectContaining({ tasks: 1, events: 2, outputChunks: 2, messages: 3, retentionDays: 7 }),
      },
    ]);
    expect(await counts(old.id)).toMatchObject({ events: 2, outputs: 0, messages: 0, usage: 1 });
  });
});
