import { transactor } from "../../src/infra/db/transactions.js";
import { mkdtempSync, rmSync } from "node:fs";
import pg from "pg";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import type { Deps } from "../../src/domain/shared/deps.js";
import { inTransaction } from "../../src/infra/db/transactions.js";
import { SqlTaskEventLog } from "../../src/infra/db/stores/task-event.store.js";
import { AgentRecord, TaskRecord, TaskEventRecord } from "../../src/domain/records.js";
import { newAgentRow } from "../../src/domain/agents/agent.service.js";
import { SqlRunStore } from "../../src/infra/db/stores/run.store.js";
import { openDatabase, type Database } from "../../src/infra/db/orm.js";
import { inline, literal } from "../../src/infra/db/raw.js";
import { sql } from "../../src/infra/db/reader.js";
import {
  defer,
  execute,
  optimisticTransaction,
  selectRows,
  selectValues,
  updateRow,
} from "../../src/infra/db/writer.js";
import { MemoryPubSub } from "../../src/infra/pubsub/memory.js";
import { createTestDatabase } from "../helpers/pg.js";
import { storableText } from "../../src/domain/shared/storable.js";
import { describeProfiles } from "../helpers/profiles.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };

/** Text that must come back exactly as written, whichever way a statement carries it. */
const hostile = [
  "it's",
  "''; drop table task; --",
  "back\\slash \\' and \\\\ two",
  "question ? mark ?? and $1 $2",
  "NUL \u0000 inside",
  "line\nbreak\ttab\r",
  "ünïcödé — 日本語 🚀",
  "E'not an escape'",
  "",
];

it("writes values into statement text only where they read back exactly", () => {
  expect(literal(null, true)).toBe("null");
  expect(literal(42, true)).toBe("42");
  expect(literal(true, true)).toBe("1");
  expect(literal(true, false)).toBe("true");
  expect(literal(0.1, true)).toBe("(3602879701896397.0 / 36028797018963968)"); // built exactly, not read as decimal
  expect(literal(-0.75, true)).toBe("(-3.0 / 4)");
  expect(literal(0.1, false)).toBe("0.1");
  expect(literal(Number.NaN, false)).toBeNull();
  expect(literal("a'b", true)).toBe("'a''b'");
  expect(literal("a\\b", false)).toBe("E'a\\\\b'");
  expect(literal("a\u0000b", false)).toBeNull(); // PostgreSQL text cannot hold NUL: the driver refuses it
  expect(literal({ a: 1 }, true)).toBeNull();
  // Only the template's placeholders are replaced, never a `?` inside a value.
  expect(inline("insert into t values (?, ?)", ["a?b", 1], true)).toBe("insert into t values ('a?b', 1)");
  expect(inline("select ?", [1, 2], true)).toBeNull();
});

describeProfiles("write batches", (profile) => {
  let dataDir: string;
  let db: Database;
  let deps: Deps;
  let dropDb: (() => Promise<void>) | undefined;
  let pgUrl: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "agents-batch-"));
    let url: string | undefined;
    if (profile === "postgres") {
      const t = await createTestDatabase();
      url = t.url;
      pgUrl = t.url;
      dropDb = t.drop;
    }
    db = await openDatabase({ url, dataDir });
    await db.migrate();
    const pubsub = new MemoryPubSub();
    deps = { pubsub, logger, transact: transactor({ db, pubsub, logger }), events: new SqlTaskEventLog(db.read) };
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropDb?.();
  });

  const newTask = async (): Promise<string> => {
    const now = new Date();
    const task = Object.assign(new TaskRecord(), {
      id: newId(),
      title: "batch",
      description: "",
      complexity: 1,
      priority: 50,
      status: "PENDING" as const,
      assignedAgentId: null,
      assignedAt: null,
      parentId: null,
      eventSeq: 0,
      toolPolicy: null,
      maxCostUsd: null,
      maxTokens: null,
      model: null,
      requiresApproval: null,
      pausedAt: null,
      pauseReason: null,
      approvalRequestedAt: null,
      summary: null,
      createdAt: now,
      updatedAt: now,
    });
    await db.fork().insert(TaskRecord, task);
    return task.id;
  };
  const events = (taskId: string) =>
    db.read.select(TaskEventRecord, sql("task_id = ?", [taskId]), { orderBy: "seq asc" });

  it("stores every hostile text, JSON and date exactly when the rows go in one batch (NUL as U+FFFD)", async () => {
    // PostgreSQL's text and jsonb cannot hold NUL at all: outside text that has one is stored with
    // U+FFFD in its place, on both dialects (the API refuses NUL up front).
    const texts = hostile;
    const stored = texts.map(storableText);
    expect(stored.some((t, i) => t !== texts[i])).toBe(true);
    const taskId = await newTask();
    const at = new Date("2026-12-01T12:34:56.789Z");
    await inTransaction(deps, async (em, out) => {
      const [t] = await selectRows(em, TaskRecord, sql("id = ?", [taskId]), { forUpdate: true });
      await deps.events.hold(em, taskId, t!.eventSeq);
      // Held: both the counter and the rows wait for the commit.
      await deps.events.append(
        em,
        out,
        taskId,
        texts.map((content, i) => ({
          type: "MESSAGE" as const,
          content,
          data: { i, text: content, nested: [content] },
        })),
        at,
      );
      await deps.events.append(em, out, taskId, [{ type: "PROGRESS", content: "second batch", data: null }], at);
    });
    const rows = await events(taskId);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: texts.length + 1 }, (_, i) => i + 1));
    expect(rows.slice(0, texts.length).map((r) => r.content)).toEqual(stored);
    expect(rows.slice(0, texts.length).map((r) => r.data)).toEqual(
      stored.map((text, i) => ({ i, text, nested: [text] })),
    );
    expect(rows.every((r) => r.createdAt.getTime() === at.getTime())).toBe(true);
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task!.eventSeq).toBe(texts.length + 1);
  });

  it("stores fractional numbers bit for bit when they go in a batch", async () => {
    const values = [0.1, 0.2, 0.30000000000000004, 1 / 3, 123.456, 0.000123, 2.5e-7, 1e-300, -0.75];
    for (let i = 0; i < 500; i++) values.push(Math.random() * 10 ** -(i % 12));
    const t = `floats_${profile}`;
    await db
      .fork()
      .execute(`create table ${t} (i integer primary key, v ${profile === "sqlite" ? "real" : "double precision"})`);
    await inTransaction(deps, async (em) => {
      await execute(em, `select 1`, []);
      for (let i = 0; i < values.length; i++) await defer(em, `insert into ${t} (i, v) values (?, ?)`, [i, values[i]]);
    });
    const rows = await db.fork().execute<Array<{ i: number; v: number }>>(`select i, v from ${t} order by i`);
    expect(rows.map((r) => Number(r.v))).toEqual(values);
  });

  it("sends held-back statements before a MikroORM statement of the same transaction", async () => {
    const taskId = await newTask();
    await inTransaction(deps, async (em) => {
      await defer(em, "update task set title = ? where id = ?", ["held back", taskId]);
      // MikroORM reads on the transaction's connection: it must see the held-back write.
      const seen = await em.findOne(TaskRecord, { id: taskId }, { fields: ["title"] });
      expect(seen?.title).toBe("held back");
      await em.nativeUpdate(TaskRecord, { id: taskId }, { summary: "after" });
      await defer(em, "update task set summary = summary || ? where id = ?", [" and later", taskId]);
      const [row] = await execute(em, "select title, summary from task where id = ?", [taskId]);
      expect(row).toMatchObject({ title: "held back", summary: "after and later" });
    });
  });

  it("writes nothing when a held-back statement fails: the whole transaction rolls back", async () => {
    const taskId = await newTask();
    const before = await events(taskId);
    await expect(
      inTransaction(deps, async (em, out) => {
        await defer(em, "update task set title = ? where id = ?", ["must not stay", taskId]);
        await deps.events.append(em, out, taskId, [{ type: "PROGRESS", content: "must not stay either" }]);
        // A duplicate primary key, held back like the rest: it fails when the batch goes.
        const id = newId();
        await defer(
          em,
          "insert into task_event (id, task_id, seq, type, content, created_at) values (?, ?, ?, ?, ?, ?)",
          [id, taskId, 1000, "PROGRESS", "one", profile === "sqlite" ? Date.now() : new Date()],
        );
        await defer(
          em,
          "insert into task_event (id, task_id, seq, type, content, created_at) values (?, ?, ?, ?, ?, ?)",
          [id, taskId, 1001, "PROGRESS", "two", profile === "sqlite" ? Date.now() : new Date()],
        );
      }),
    ).rejects.toThrow();
    expect(await events(taskId)).toEqual(before);
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task!.title).toBe("batch");
    expect(task!.eventSeq).toBe(0);
  });

  /** A status change the optimistic way: the row read, an event and an update held back. */
  const optimisticMove = (taskId: string, title: string, during?: () => Promise<void>) =>
    optimisticTransaction(db.fork(), async (em) => {
      const [t] = await selectRows(em, TaskRecord, sql("id = ?", [taskId]), { forUpdate: true });
      if (!t) throw new Error("no task");
      await deps.events.hold(em, taskId, t.eventSeq);
      await updateRow(em, TaskRecord, taskId, { title, updatedAt: new Date() });
      await deps.events.append(em, [], taskId, [{ type: "PROGRESS", content: `renamed to ${title}` }]);
      await during?.();
      return t.title;
    });

  it.skipIf(profile !== "postgres")(
    "gives up a connection that broke in a transaction: the next transactions get working ones",
    async () => {
      const pid = async (em: Parameters<Parameters<typeof inTransaction>[1]>[0]) =>
        Number((await execute(em, "select pg_backend_pid() as pid", []))[0]!.pid);
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      let killed = 0;
      try {
        const broken = inTransaction(
          deps,
          async (em) => {
            killed = await pid(em);
            await admin.query("select pg_terminate_backend($1)", [killed]);
            await execute(em, "select 1", []); // the server has closed this connection
          },
          { direct: true },
        );
        await expect(broken).rejects.toThrow();
      } finally {
        await admin.end();
      }
      // Nothing hands the dead connection out again: each transaction runs on a live one.
      for (let i = 0; i < 5; i++) {
        const seen = await inTransaction(deps, (em) => pid(em), { direct: true });
        expect(seen).not.toBe(killed);
      }
    },
  );

  it("commits an optimistic transaction in one batch when what it read is unchanged", async () => {
    const taskId = await newTask();
    const r = await optimisticMove(taskId, "moved");
    if (profile === "postgres") {
      // PostgreSQL locks the row instead: the ordinary transaction runs, nothing was written.
      expect(r).toEqual({ ok: false });
      expect(await events(taskId)).toEqual([]);
      return;
    }
    expect(r).toEqual({ ok: true, value: "batch" });
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task).toMatchObject({ title: "moved", eventSeq: 1 });
    expect((await events(taskId)).map((e) => e.content)).toEqual(["renamed to moved"]);
  });

  it("writes nothing from an optimistic transaction whose row changed after it was read", async () => {
    const taskId = await newTask();
    if (profile === "postgres") return void expect(await optimisticMove(taskId, "x")).toEqual({ ok: false });
    // Between the read and the commit, another transaction changes the row (one column, or only
    // its event counter): the guard fails the batch, and nothing of it stays.
    for (const change of [
      "update task set summary = 'meanwhile' where id = ?",
      "update task set event_seq = 5 where id = ?",
    ]) {
      const before = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
      const r = await optimisticMove(taskId, "lost", async () => {
        await db.fork().execute(change, [taskId]);
      });
      expect(r).toEqual({ ok: false });
      const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
      expect(task!.title).toBe(before[0]!.title);
      expect(await events(taskId)).toEqual([]);
    }
    // The writer is free and usable afterwards: the same change the ordinary way commits.
    await inTransaction(deps, async (em) => {
      await updateRow(em, TaskRecord, taskId, { title: "after" });
    });
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task).toMatchObject({ title: "after", summary: "meanwhile", eventSeq: 5 });
  });

  it("gives up an optimistic transaction that needs a statement's answer, writing nothing", async () => {
    const taskId = await newTask();
    const r = await optimisticTransaction(db.fork(), async (em) => {
      await updateRow(em, TaskRecord, taskId, { title: "never" });
      // A bump whose result is needed: only a transaction holding the writer can run it.
      return execute(em, "update task set event_seq = event_seq + 1 where id = ? returning event_seq", [taskId]);
    });
    expect(r).toEqual({ ok: false });
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task).toMatchObject({ title: "batch", eventSeq: 0 });
  });

  it("checks the columns an optimistic transaction read of another row at its commit", async () => {
    const taskId = await newTask();
    const read = (during?: () => Promise<unknown>) =>
      optimisticTransaction(db.fork(), async (em) => {
        const row = await selectValues(em, "task", "id", taskId, ["complexity", "priority"]);
        await updateRow(em, TaskRecord, taskId, { summary: `saw ${row?.complexity}/${row?.priority}` });
        await during?.();
        return row;
      });
    if (profile === "postgres") return void expect(await read()).toEqual({ ok: false });
    expect(await read()).toEqual({ ok: true, value: { complexity: 1, priority: 50 } });
    // A change to a column it did not read does not matter; one to a column it read does.
    expect((await read(() => db.fork().execute("update task set title = 'x' where id = ?", [taskId]))).ok).toBe(true);
    expect(await read(() => db.fork().execute("update task set priority = 7 where id = ?", [taskId]))).toEqual({
      ok: false,
    });
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task).toMatchObject({ summary: "saw 1/50", priority: 7, title: "x" });
  });

  it("takes a known copy of a row in an optimistic transaction and checks it at the commit, on both dialects", async () => {
    const taskId = await newTask();
    const move = (known: TaskRecord, title: string) =>
      optimisticTransaction(db.fork(), async (em) => {
        const [t] = await selectRows(em, TaskRecord, sql("id = ?", [taskId]), { forUpdate: true, known });
        await deps.events.hold(em, taskId, t!.eventSeq);
        await updateRow(em, TaskRecord, taskId, { title, updatedAt: new Date() });
        await deps.events.append(em, [], taskId, [{ type: "PROGRESS", content: title }]);
        return t!;
      });
    const read = async () => (await db.read.select(TaskRecord, sql("id = ?", [taskId])))[0]!;
    // The row as read: no statement before the batch, and the batch commits.
    const first = await move(await read(), "one");
    expect(first.ok).toBe(true);
    expect(await read()).toMatchObject({ title: "one", eventSeq: 1 });
    // A copy that is no longer true (its counter, or another column) commits nothing.
    const stale = await read();
    await db.fork().execute("update task set event_seq = event_seq + 1 where id = ?", [taskId]);
    expect(await move(stale, "two")).toEqual({ ok: false });
    expect(await move({ ...(await read()), summary: "not so" }, "three")).toEqual({ ok: false });
    expect(await read()).toMatchObject({ title: "one", eventSeq: 2 });
    expect((await events(taskId)).map((e) => e.content)).toEqual(["one"]);
    // Values of every kind are compared exactly: a fractional budget, a JSON policy, dates, booleans, null.
    await db
      .fork()
      .nativeUpdate(
        TaskRecord,
        { id: taskId },
        { maxCostUsd: 0.1 + 0.2, toolPolicy: { deny: ["rm"], n: 1 }, requiresApproval: false, pausedAt: null },
      );
    const last = await move(await read(), "four");
    expect(last.ok).toBe(true);
    expect(await read()).toMatchObject({ title: "four", eventSeq: 3, maxCostUsd: 0.1 + 0.2 });
  });

  it("numbers a run's events right whether the event counter it was told is right or not", async () => {
    const taskId = await newTask();
    const now = new Date();
    // The agent's row goes in directly: AgentService.create would also offer it the task.
    const agent = newAgentRow(
      { name: "run-store-agent", kind: "BUILTIN", minComplexity: 1, maxComplexity: 10, maxConcurrentTasks: 1 },
      now,
    );
    const agentId = agent.id;
    await db.fork().insert(AgentRecord, agent);
    const store = new SqlRunStore(db, deps);
    await store.open(taskId, agentId);
    let seen = 0;
    const append = (n: number, knownEventSeq: number) =>
      store.append(
        taskId,
        [{ role: "user", content: `message ${n}` }],
        {},
        {
          events: [{ type: "PROGRESS", content: `event ${n}` }],
          counters: { messageSeq: n - 1, step: 0 },
          knownEventSeq,
          onEventSeq: (seq) => (seen = seq),
        },
      );
    await append(1, 0); // right: one batch
    expect(seen).toBe(1);
    await db.fork().execute("update task set event_seq = 5 where id = ?", [taskId]); // someone else's events
    await append(2, 1); // wrong: checked, then written the ordinary way
    expect(seen).toBe(6);
    await append(3, 6);
    const rows = await events(taskId);
    expect(rows.map((r) => [r.seq, r.content])).toEqual([
      [1, "event 1"],
      [6, "event 2"],
      [7, "event 3"],
    ]);
    const [task] = await db.read.select(TaskRecord, sql("id = ?", [taskId]));
    expect(task!.eventSeq).toBe(7);
    expect((await store.open(taskId, agentId)).messages.map((m) => (m.role === "user" ? m.content : ""))).toEqual([
      "message 1",
      "message 2",
      "message 3",
    ]);
  });
});
