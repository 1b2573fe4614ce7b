import { StringDecoder } from "node:string_decoder";
import { assertMaySeeTask } from "../../domain/auth/access.js";
import { conflict, DomainError, forbidden, notFound } from "../../domain/errors.js";
import type { Principal } from "../../domain/auth/principal.js";
import { isId, newId } from "../../domain/ids.js";
import type { Channel } from "../../domain/shared/channel.js";
import type { Deps } from "../../domain/shared/deps.js";
import type { CommandRunStore, RunUsage } from "../../domain/tools/command-run.store.js";
import { SequenceFeed } from "../../domain/shared/sequence-feed.js";
import { storableText } from "../../domain/shared/storable.js";
import { appendEvent, type NewTaskEvent } from "../../domain/tasks/task-events.js";
import type { TaskService } from "../../domain/tasks/task.service.js";
import { CommandOutputRecord, CommandRunRecord } from "../../domain/records.js";
import { RUN_MARKER } from "../../infra/sandbox/command-line.js";
import { assertRoomFor, diskGuard, type DiskLimits } from "../files/disk.js";
import { assertFreeSpace } from "../files/free-space.js";
import { RunSlots } from "./run-slots.js";
import { stopLeftoverRuns } from "../../infra/sandbox/process-tree.js";
import { resultWithoutRun, type RunResult, type Sandbox, type SandboxLimits } from "../../infra/sandbox/sandbox.js";

export interface CommandRequest {
  program: string;
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  limits: SandboxLimits;
  network?: boolean;
  /** Extra read-only paths bound into the sandbox (e.g. a local wheel directory). */
  extraReadOnly?: string[];
  /**
   * The writable folder of the run instead of the task's workspace: a folder of the service's for
   * a step that must not see the workspace (pip's download). The run is still the task's.
   */
  workspace?: string;
}

/** What a run belongs to: the tool call that starts it, its workspace, and where its events go. */
export interface RunScope {
  toolCallId: string;
  caller: Principal;
  workspace: { id: string; root: string; taskId: string };
  /** Aborted when the call is cancelled. */
  signal: AbortSignal;
  /** Writes an event on the workspace's task. */
  emit(event: NewTaskEvent): Promise<void>;
}

export interface CommandServiceOptions {
  /** Runs in their sandboxes at once in this process (COMMAND_MAX_CONCURRENT); more wait. */
  maxConcurrent: number;
  /** Runs at once in one workspace (COMMAND_MAX_PER_WORKSPACE); more wait. */
  maxPerWorkspace: number;
  /** The workspace's quota and the disk's floor: checked at start and watched while it runs. */
  disk: DiskLimits;
}

export const defaultCommandServiceOptions: CommandServiceOptions = {
  maxConcurrent: 8,
  maxPerWorkspace: 2,
  disk: { maxWorkspaceBytes: 1024 * 1024 * 1024, minFreeBytes: 0 },
};

/** Output is sent at most this long after it was produced. */
const COALESCE_MS = 50;
/** A chunk is sent early once this much is buffered. */
const CHUNK_BYTES = 1024 * 1024;
/** Stored output keeps this much of the head and of the tail of a run; the middle is dropped at the end. */
const KEEP_HEAD_BYTES = 1024 * 1024;
const KEEP_TAIL_BYTES = 1024 * 1024;
/** How often a running command's new output is summarised in its task's events. */
const SUMMARY_EVERY_MS = 2_000;

interface Running {
  abort: AbortController;
  done: Promise<CommandRunRecord>;
  taskId: string | null;
}

/** Cancelled while it waited for a slot: it never ran. */
class RunNotStarted extends Error {}

const kb = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;

/**
 * Command runs: started in the background inside the sandbox, their output stored as numbered
 * chunks (coalesced, at most COALESCE_MS behind) and streamed to subscribers, their end
 * recorded with status, exit code, resources used and a summary event on the task.
 */
export class CommandService {
  readonly feed: SequenceFeed<CommandOutputRecord>;
  private readonly running = new Map<string, Running>();
  private readonly unsubscribe: Array<() => void> = [];

  private readonly slots: RunSlots;

  constructor(
    private readonly deps: Deps,
    private readonly store: CommandRunStore,
    private readonly sandbox: () => Sandbox,
    private readonly tasks: TaskService,
    private readonly opts: CommandServiceOptions = defaultCommandServiceOptions,
  ) {
    this.slots = new RunSlots(opts.maxConcurrent, opts.maxPerWorkspace);
    this.feed = new SequenceFeed<CommandOutputRecord>(
      {
        read: (runId, afterSeq, limit) => store.output(runId, afterSeq, limit),
        maxSeq: async (runId) => (await this.get(runId))?.lastOutputSeq ?? 0,
      },
      deps.logger,
    );
    this.unsubscribe.push(
      deps.pubsub.subscribe("COMMAND_OUTPUT", ({ runId, seq }) => this.feed.notify(runId, seq)),
      deps.pubsub.subscribe("COMMAND_CANCEL", ({ runId }) => this.running.get(runId)?.abort.abort()),
      // Cancelling a task kills its running commands (those running in this process).
      deps.pubsub.subscribe("TASK_CHANGED", ({ taskId }) => {
        const mine = [...this.running.values()].filter((r) => r.taskId === taskId);
        if (mine.length === 0) return;
        void this.tasks.get(taskId).then((t) => {
          if (t?.status === "CANCELLED") for (const r of mine) r.abort.abort();
        });
      }),
    );
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Starts a run and returns it at once (status RUNNING); `done` settles when it ends. */
  async start(ctx: RunScope, req: CommandRequest): Promise<{ run: CommandRunRecord; done: Promise<CommandRunRecord> }> {
    const sandbox = this.sandbox();
    // No new run in a workspace over its quota, or on a disk under its floor.
    if (req.workspace === undefined) await assertRoomFor(ctx.workspace.root, this.opts.disk);
    else await assertFreeSpace(req.workspace, this.opts.disk);
    const id = newId();
    const run: CommandRunRecord = Object.assign(new CommandRunRecord(), {
      ...resultWithoutRun("FAILED", sandbox.kind),
      id,
      toolCallId: ctx.toolCallId,
      taskId: ctx.workspace.taskId,
      workspaceId: ctx.workspace.id,
      program: req.program,
      args: req.args,
      status: "RUNNING" as const,
      limit: null,
      durationMs: null,
      lastOutputSeq: 0,
      createdAt: this.now(),
      finishedAt: null,
    });
    await this.store.insert(run);
    await this.deps.pubsub.publish([{ topic: "COMMAND_CHANGED", payload: { runId: id } }]);

    const abort = new AbortController();
    ctx.signal.addEventListener("abort", () => abort.abort(), { once: true });
    const done = this.execute(run, req, sandbox, abort.signal, ctx).finally(() => this.running.delete(id));
    this.running.set(id, { abort, done, taskId: run.taskId });
    return { run, done };
  }

  private async execute(
    run: CommandRunRecord,
    req: CommandRequest,
    sandbox: Sandbox,
    signal: AbortSignal,
    ctx: RunScope,
  ): Promise<CommandRunRecord> {
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    const pending: Array<{ stream: "STDOUT" | "STDERR"; data: string }> = [];
    let pendingBytes = 0;
    let timer: NodeJS.Timeout | null = null;
    let writing = Promise.resolve();
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending.length === 0) return writing;
      const batch = pending.splice(0);
      pendingBytes = 0;
      writing = writing
        .then(() => this.appendOutput(run.id, batch))
        .catch((err: unknown) => {
          this.deps.logger.error({ err, runId: run.id }, "could not store command output");
        });
      return writing;
    };
    const onOutput = (stream: "stdout" | "stderr", chunk: Buffer) => {
      const text = storableText(decoders[stream].write(chunk));
      if (text.length === 0) return;
      const s = stream === "stdout" ? "STDOUT" : "STDERR";
      const last = pending[pending.length - 1];
      if (last && last.stream === s) last.data += text;
      else pending.push({ stream: s, data: text });
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) void flush();
      else timer ??= setTimeout(() => void flush(), COALESCE_MS);
    };

    // While it runs, a summary of new output reaches the task's events every few seconds.
    let outBytes = 0;
    let summarised = 0;
    let lastLine = "";
    const summaries = setInterval(() => {
      if (outBytes === summarised) return;
      summarised = outBytes;
      void ctx
        .emit({
          type: "TOOL_OUTPUT",
          content: `\`${run.program}\` running: ${kb(outBytes)} of output so far${lastLine ? `; last line: ${lastLine}` : ""}`,
          data: { runId: run.id, bytes: outBytes, running: true },
          agentId: ctx.caller.agentId,
        })
        .catch(() => {});
    }, SUMMARY_EVERY_MS);
    const countingOutput = (stream: "stdout" | "stderr", chunk: Buffer) => {
      outBytes += chunk.length;
      const text = storableText(chunk.toString("utf8")).trimEnd();
      const nl = text.lastIndexOf("\n");
      if (text) lastLine = text.slice(nl + 1).slice(0, 200);
      onOutput(stream, chunk);
    };

    let result: RunResult;
    let release: (() => void) | undefined;
    try {
      if (this.slots.isFull(ctx.workspace.id)) {
        const { running, waiting } = this.slots.counts;
        void ctx
          .emit({
            type: "TOOL_OUTPUT",
            content: `\`${run.program}\` waits for a free slot (${running} running, ${waiting} waiting before it)`,
            data: { runId: run.id, waiting: true },
            agentId: ctx.caller.agentId,
          })
          .catch(() => {});
      }
      release = await this.slots.acquire(ctx.workspace.id, signal).catch(() => undefined);
      if (!release) throw new RunNotStarted();
      result = await sandbox.run({
        runId: run.id,
        workspace: req.workspace ?? ctx.workspace.root,
        program: req.program,
        args: req.args,
        stdin: req.stdin,
        env: req.env,
        limits: req.limits,
        network: req.network ?? false,
        extraReadOnly: req.extraReadOnly,
        signal,
        onOutput: countingOutput,
        guards: [diskGuard(req.workspace ?? ctx.workspace.root, this.opts.disk)],
      });
    } catch (err) {
      if (err instanceof RunNotStarted) {
        result = resultWithoutRun("CANCELLED", sandbox.kind);
      } else {
        this.deps.logger.error({ err, runId: run.id }, "sandbox run failed");
        // The caller sees why nothing ran (e.g. the workspace cannot be reached by the sandbox user).
        const why = err instanceof DomainError ? err.message : "the sandbox could not start the program";
        pending.push({ stream: "STDERR", data: `sandbox: ${why}\n` });
        result = resultWithoutRun("FAILED", sandbox.kind);
      }
    } finally {
      release?.();
    }
    clearInterval(summaries);
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = storableText(decoders[stream].end());
      if (rest) pending.push({ stream: stream === "stdout" ? "STDOUT" : "STDERR", data: rest });
    }
    await flush();
    const finishedAt = this.now();
    const ended = Object.assign(run, {
      status: result.status,
      exitCode: result.exitCode,
      signal: result.signal,
      limit: result.limit ?? null,
      durationMs: Math.round(result.durationMs),
      cpuTimeMs: result.cpuTimeMs === null ? null : Math.round(result.cpuTimeMs),
      maxRssKb: result.maxRssKb,
      stdoutBytes: result.stdoutBytes,
      stderrBytes: result.stderrBytes,
      truncated: result.truncated,
      finishedAt,
    });
    this.deps.recorder?.commandRun(ended);
    const summary =
      `\`${[run.program, ...(run.args as string[])].join(" ").slice(0, 200)}\` ` +
      (result.status === "SUCCEEDED" || result.status === "FAILED"
        ? `exited ${result.exitCode ?? result.signal}`
        : `ended ${result.status}${result.limit ? ` (${result.limit})` : ""}`) +
      ` after ${ended.durationMs} ms; ${kb(result.stdoutBytes)} stdout, ${kb(result.stderrBytes)} stderr` +
      (result.truncated ? " (truncated)" : "");
    // The run's end, its last chunk and the task's event saying so commit together. Should the
    // event be what fails, the end is written without it: a run must never stay RUNNING.
    const exit = [
      {
        stream: "EXIT" as const,
        data: JSON.stringify({ status: result.status, exitCode: result.exitCode, signal: result.signal }),
      },
    ];
    const report = {
      taskId: ctx.workspace.taskId,
      event: {
        type: "TOOL_OUTPUT" as const,
        content: storableText(summary),
        data: {
          runId: run.id,
          status: result.status,
          exitCode: result.exitCode,
          durationMs: ended.durationMs,
          cpuTimeMs: ended.cpuTimeMs,
          maxRssKb: ended.maxRssKb,
          stdoutBytes: result.stdoutBytes,
          stderrBytes: result.stderrBytes,
        },
        agentId: ctx.caller.agentId,
      },
    };
    try {
      await this.appendOutput(run.id, exit, ended, report);
    } catch (err) {
      this.deps.logger.warn(
        { err, runId: run.id },
        "could not write the run's end with its event; writing the end alone",
      );
      await this.appendOutput(run.id, exit, ended);
    }
    await this.compact(run.id);
    return ended;
  }

  /**
   * Appends chunks (and, with `ended`, the run's final state and the task's event about it) in
   * one transaction, published after it.
   */
  private async appendOutput(
    runId: string,
    chunks: Array<{ stream: CommandOutputRecord["stream"]; data: string }>,
    ended?: CommandRunRecord,
    report?: { taskId: string; event: NewTaskEvent },
  ): Promise<void> {
    await this.deps.transact(async (tx, out) => {
      const now = this.now();
      const last = await this.store.appendOutput(tx, runId, chunks, now);
      if (chunks.length > 0) out.push({ topic: "COMMAND_OUTPUT", payload: { runId, seq: last } });
      if (ended) {
        await this.store.end(tx, ended);
        out.push({ topic: "COMMAND_CHANGED", payload: { runId } });
        if (report) await appendEvent(this.deps, tx, out, report.taskId, report.event, ended.finishedAt ?? now);
      }
    });
  }

  /** Keeps the head and the tail of a finished run's stored output, and says what was dropped. */
  private async compact(runId: string): Promise<void> {
    const sizes = await this.store.outputSizes(runId);
    let head = 0;
    let headEnd = 0;
    for (const r of sizes) {
      if (head >= KEEP_HEAD_BYTES) break;
      head += r.size;
      headEnd = r.seq;
    }
    let tail = 0;
    let tailStart = Number.MAX_SAFE_INTEGER;
    for (let i = sizes.length - 1; i >= 0; i--) {
      const r = sizes[i];
      if (!r || r.seq <= headEnd || tail >= KEEP_TAIL_BYTES) break;
      tail += r.size;
      tailStart = r.seq;
    }
    if (tailStart === Number.MAX_SAFE_INTEGER || tailStart <= headEnd + 1) return;
    await this.store.dropOutput(runId, headEnd, tailStart);
  }

  async get(id: string): Promise<CommandRunRecord | null> {
    if (!isId(id)) return null;
    return this.store.get(id);
  }

  /**
   * Resolves with the run once it has ended: at once for a run of this process, else by
   * polling its row (a run of another process). Rejects with the signal's reason on abort.
   */
  async wait(runId: string, signal?: AbortSignal): Promise<CommandRunRecord> {
    const local = this.running.get(runId);
    if (local) {
      if (!signal) return local.done;
      signal.throwIfAborted();
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        local.done.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    }
    for (let delay = 20; ; delay = Math.min(500, delay * 2)) {
      signal?.throwIfAborted();
      const run = await this.get(runId);
      if (!run) throw notFound("Command run", runId, "runId");
      if (run.status !== "RUNNING") return run;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** A run's stdout and stderr as text, each cut to its first and last `maxChars / 2` characters. */
  async outputText(runId: string, maxChars: number): Promise<{ stdout: string; stderr: string }> {
    const chunks = await this.output(runId);
    const cut = (t: string) =>
      t.length <= maxChars
        ? t
        : `${t.slice(0, maxChars / 2)}\n… (${t.length - maxChars} characters left out) …\n${t.slice(-maxChars / 2)}`;
    const join = (stream: "STDOUT" | "STDERR") =>
      cut(
        chunks
          .filter((c) => c.stream === stream)
          .map((c) => c.data)
          .join(""),
      );
    return { stdout: join("STDOUT"), stderr: join("STDERR") };
  }

  /** The run a runCommand tool call started, if any. */
  async byToolCall(toolCallId: string): Promise<CommandRunRecord | null> {
    return this.store.byToolCall(toolCallId);
  }

  /** A run's stored output, in order. */
  async output(runId: string): Promise<CommandOutputRecord[]> {
    return this.store.output(runId);
  }

  /** Resources used by all the runs of a task. */
  async usageOfTask(taskId: string): Promise<RunUsage> {
    return this.store.usageOfTask(taskId);
  }

  /** Runs of a task, newest first. */
  async ofTask(taskId: string, limit = 100): Promise<CommandRunRecord[]> {
    return this.store.ofTask(taskId, limit);
  }

  /** Stops a run wherever it runs (this process, or another through the bus). */
  async cancel(runId: string, caller: Principal): Promise<CommandRunRecord> {
    const run = await this.get(runId);
    if (!run) throw notFound("Command run", runId, "runId");
    await this.authorise(run, caller);
    if (run.status !== "RUNNING") throw conflict(`The run has already ended (${run.status})`, "runId");
    const local = this.running.get(runId);
    if (local) {
      local.abort.abort();
      return local.done;
    }
    await this.deps.pubsub.publish([{ topic: "COMMAND_CANCEL", payload: { runId } }]);
    return run;
  }

  /** Stored output after `afterSeq`, then live chunks, in order, without gaps (a compacted middle excepted). */
  async stream(
    runId: string,
    afterSeq: number | null | undefined,
    caller: Principal,
  ): Promise<Channel<CommandOutputRecord>> {
    const after = afterSeq ?? 0;
    if (!Number.isInteger(after) || after < 0) {
      throw new DomainError("BAD_USER_INPUT", "afterSeq: must be a whole number of at least 0", { field: "afterSeq" });
    }
    const run = await this.get(runId);
    if (!run) throw notFound("Command run", runId, "runId");
    await this.authorise(run, caller);
    // The stream is over once the run's EXIT chunk is delivered (also when it was stored before).
    return this.feed.subscribe(runId, after, {
      endsAt: (chunk) => (chunk.stream === "EXIT" ? chunk.seq : null),
      ended: run.status !== "RUNNING",
    });
  }

  private async authorise(run: CommandRunRecord, caller: Principal): Promise<void> {
    if (caller.role !== "AGENT") return;
    const task = run.taskId ? await this.tasks.get(run.taskId) : null;
    if (!task) throw forbidden("An agent key may only see the commands of its own agent's tasks");
    assertMaySeeTask(caller, task);
  }

  /**
   * Runs still RUNNING that no live process runs: on the embedded profile (one process), every
   * such run at start was cut off by a crash or a kill; in a cluster, `only` picks them (the runs
   * in the workspaces a restarted holder holds, or in LOST ones), since a live peer's runs must not
   * be touched. What is left of them on this machine is stopped first (their sandboxes should
   * have died with their process; this makes sure), then each is recorded as FAILED the way any
   * run ends: its EXIT chunk (so its output stream completes) and the task's TOOL_OUTPUT event.
   */
  async failOrphanedRuns(
    only?: (run: CommandRunRecord) => boolean | Promise<boolean>,
    why = "the service stopped while it ran",
  ): Promise<number> {
    const candidates = (await this.store.running(10_000)).filter((r) => !this.running.has(r.id));
    const picked = only ? await Promise.all(candidates.map(async (r) => ((await only(r)) ? r : null))) : candidates;
    const runs = picked.filter((r): r is CommandRunRecord => r !== null);
    if (runs.length === 0) return 0;
    const killed = stopLeftoverRuns(RUN_MARKER, new Set(runs.map((r) => r.id)));
    if (killed > 0) this.deps.logger.warn({ processes: killed }, "stopped sandboxes a previous process left running");
    for (const run of runs) {
      const finishedAt = this.now();
      const ended = Object.assign(run, {
        status: "FAILED" as const,
        exitCode: null,
        signal: null,
        limit: null,
        durationMs: Math.max(0, finishedAt.getTime() - new Date(run.createdAt).getTime()),
        finishedAt,
      });
      const exit = [
        {
          stream: "EXIT" as const,
          data: JSON.stringify({ status: "FAILED", exitCode: null, signal: null, interrupted: true }),
        },
      ];
      const line = [run.program, ...(run.args as string[])].join(" ").slice(0, 200);
      const report = run.taskId
        ? {
            taskId: run.taskId,
            event: {
              type: "TOOL_OUTPUT" as const,
              content: `\`${line}\` was cut off: ${why}`,
              data: { runId: run.id, status: "FAILED", exitCode: null, interrupted: true },
              agentId: null,
            },
          }
        : undefined;
      await this.appendOutput(run.id, exit, ended, report);
    }
    return runs.length;
  }

  /** Aborts every run of this process and waits for them to be recorded (shutdown). */
  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    const runs = [...this.running.values()];
    for (const r of runs) r.abort.abort();
    await Promise.allSettled(runs.map((r) => r.done));
    this.feed.close();
  }
}
