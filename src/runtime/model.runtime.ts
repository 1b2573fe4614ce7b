import type { ModelConfig } from "../config.js";
import type { AgentRecord, CommandRunRecord, TaskRecord } from "../domain/records.js";
import { limits, type TaskStatus } from "../domain/terms.js";
import { storableText } from "../domain/shared/storable.js";
import type { NewTaskEvent } from "../domain/tasks/task-events.js";
import { chatWithFallback, usageAttempt, type AttemptRecord } from "../infra/models/fallback.js";
import { ModelError, type ChatClient, type ChatResult } from "../infra/models/model-client.js";
import { selectModelChain } from "../infra/models/model-selection.js";
import type { PubSub } from "../infra/pubsub/pubsub.js";
import { existsSync } from "node:fs";
import { layoutOfTask, readWorkspaceReadmeFor } from "../infra/workspace-fs/workspace-fs.js";
import { renderReadme } from "../infra/workspace-fs/readme.js";
import type { ToolService } from "../tools/tool.service.js";
import type { CommandService } from "../tools/terminal/command.service.js";
import type { AgentService } from "../domain/agents/agent.service.js";
import type { Principal } from "../domain/auth/principal.js";
import { DomainError } from "../domain/errors.js";
import type { Logger } from "../domain/shared/deps.js";
import type { TaskControlService } from "../domain/tasks/task-control.service.js";
import { activeStatuses } from "../domain/tasks/task-state.js";
import type { TaskService } from "../domain/tasks/task.service.js";
import type { UsageService } from "../domain/usage/usage.service.js";
import { systemPrompt, unansweredCalls, wireMessages } from "./prompt.js";
import type {
  AppendOptions,
  ConversationMessage,
  RunState,
  RunStore,
  StepPatch,
  StoredToolCall,
} from "../domain/runs/run.store.js";
import type { AgentRuntime, RunContext } from "./runtime.js";
import {
  allowedTools,
  callSignature,
  repeatAfter,
  completeArgs,
  errorText,
  failArgs,
  isControlTool,
  phaseArgs,
  resultText,
  toolsFor,
} from "./runtime-tools.js";
import { TextStreamer } from "./text-streamer.js";

export interface ModelRuntimeDeps {
  tasks: TaskService;
  control: TaskControlService;
  agents: AgentService;
  usage: UsageService;
  tools: ToolService;
  commands: CommandService;
  store: RunStore;
  pubsub: PubSub;
  logger: Logger;
  /** null when no model server is configured (then `missing` says which setting). */
  client: ChatClient | null;
  missing: string | null;
  config: Pick<
    ModelConfig,
    | "defaultModels"
    | "tiers"
    | "provider"
    | "fallback"
    | "timeoutMs"
    | "retries"
    | "maxSteps"
    | "maxRunMs"
    | "loopLimit"
  >;
  /** Backoff base between retries of a model (default 500 ms; tests shorten it). */
  backoffBaseMs?: number;
  /** How often streamed assistant text is written as an event (default 100 ms). */
  streamFlushMs?: number;
  /**
   * How many runs may do their bookkeeping at once (default 4): the part of a step between the
   * model's answer and the next call, tool executions apart. See Turns.
   */
  bookkeepingSlots?: number;
  /** Timing of each model turn (benchmarks): model latency and the runtime's own time before the tools. */
  onStep?: (s: { taskId: string; step: number; modelMs: number; toolMs: number; overheadMs: number }) => void;
}

/** Why a run stopped without the task being finished. */
type Stop = "paused" | "gone" | "worker";

/** A write the runtime holds back to commit with the next one (see RunSession.pending). */
interface Write {
  messages: ConversationMessage[];
  patch: StepPatch;
  opts: AppendOptions;
}

/** Two writes as one: messages, counters and events in order, the later repeat state winning. */
function mergeWrites(a: Write, b: Write): Write {
  return {
    messages: [...a.messages, ...b.messages],
    patch: {
      step: a.patch.step || b.patch.step,
      activeMs: (a.patch.activeMs ?? 0) + (b.patch.activeMs ?? 0),
      repeatKey: b.patch.repeatKey !== undefined ? b.patch.repeatKey : a.patch.repeatKey,
      repeatCount: b.patch.repeatCount !== undefined ? b.patch.repeatCount : a.patch.repeatCount,
    },
    opts: {
      inbox: a.opts.inbox || b.opts.inbox,
      events: [...(a.opts.events ?? []), ...(b.opts.events ?? [])],
      modelCalls: [...(a.opts.modelCalls ?? []), ...(b.opts.modelCalls ?? [])],
    },
  };
}

const system: Principal = { apiKeyId: "", name: "runtime", role: "ADMIN", agentId: null };

const NUDGE =
  "You answered without calling a tool. Use the tools to make progress; move through the phases with set_phase and finish with complete_task, or call fail_task if the task cannot be done.";

/**
 * The built-in agent runtime: a loop of model turns and tool calls that drives a task through
 * its phases. Every step is persisted (the conversation in RunStore, tool calls in ToolCall rows
 * keyed by the model's call id), so a run taken over from a dead worker resumes at the last
 * completed step and never executes a finished tool call again.
 */
export class ModelRuntime implements AgentRuntime {
  readonly name = "model";
  private readonly turns: Turns;

  constructor(private readonly d: ModelRuntimeDeps) {
    this.turns = new Turns(d.bookkeepingSlots ?? 4);
  }

  /** null when the runtime can work; else the setting that is missing. */
  get missing(): string | null {
    return this.d.missing;
  }

  async run(ctx: RunContext): Promise<void> {
    const { d } = this;
    const [task, agent] = await Promise.all([d.tasks.get(ctx.taskId), d.agents.get(ctx.agentId)]);
    if (!task || !agent || !this.workable(task, ctx.agentId)) return;
    const chain = selectModelChain({
      taskOverride: task.model,
      agentDefault: agent.model,
      complexity: task.complexity,
      tiers: d.config.tiers,
      globalDefault: d.config.defaultModels,
    }).chain;
    const missing =
      d.missing ??
      (chain.length === 0
        ? "no model is configured: set MODEL_DEFAULT or MODEL_TIERS, or give the agent or the task a model"
        : null);
    if (missing || !d.client) {
      await this.wait(ctx.taskId, ctx.agentId, `Waiting for a model: ${missing ?? "no model server"}`);
      return;
    }
    const session = new RunSession(d, d.client, ctx, agent, chain, this.turns);
    await session.run();
  }

  private workable(task: TaskRecord, agentId: string): boolean {
    return (
      task.assignedAgentId === agentId &&
      activeStatuses.includes(task.status) &&
      !task.pausedAt &&
      !task.approvalRequestedAt &&
      !task.waitingFor
    );
  }

  /** Says once (per reason) why the task is not worked on. */
  private async wait(taskId: string, agentId: string, reason: string): Promise<void> {
    await this.d.store.open(taskId, agentId);
    if (await this.d.store.setWaitReason(taskId, reason)) {
      await this.d.tasks.addEvent(taskId, { type: "ERROR", content: reason, data: { waiting: true } }, null);
    }
  }
}

/**
 * Slots for the runs' bookkeeping. Answers of many runs arrive together (a burst of turns, all
 * waiting on the same model), and every step is a chain of short waits (a read, a commit): let
 * all of them in at once and each one's chain waits behind everybody else's, so every run of
 * the burst finishes its step only when the whole burst is done, and sends its next call with
 * the others, keeping the burst together turn after turn. With a few slots the burst is worked
 * through in order: the first runs are done (and waiting on the model again) after their own
 * work, the next calls go out spread over the burst, and the following answers arrive spread
 * out too. No slot is held while a model call or a tool runs.
 */
export class Turns {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(slots: number) {
    this.free = Math.max(1, Math.floor(slots));
  }

  async enter(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** One run of one task on one worker. */
class RunSession {
  /** Whether this run holds a bookkeeping slot (see Turns). */
  private inTurn = false;
  /** The highest event number of this run's own writes and of the events it was told of (the task row's counter is at least that). */
  private ownEventSeq = 0;
  private readonly actor: Principal;
  /** Aborted on pause (the model call only), or with `work` on cancel, reassignment, worker stop. */
  private readonly modelAbort = new AbortController();
  private readonly workAbort = new AbortController();
  private stop: Stop | null = null;
  /** The latest task row seen (by event sequence): read at the start, then kept by notifications. */
  private task: TaskRecord | null = null;
  /** A person's message waits (TASK_MESSAGE seen, or found at the start). */
  private inbox = false;
  /** Time spent executing tools in the current step. */
  private toolMs = 0;
  private state!: RunState;
  private workspaceId = "";
  /**
   * The model's turn (its message, TOOL_CALL events and usage), held back until the next write so
   * both commit in one transaction: a control tool's status change and result, a result known
   * without running anything, or (before a tool runs) alone. Nothing with an effect outside the
   * database runs while a turn is held back, so a crash loses at most the turn, as before.
   */
  private pending: Write | null = null;

  constructor(
    private readonly d: ModelRuntimeDeps,
    private readonly client: ChatClient,
    private readonly ctx: RunContext,
    private readonly agent: AgentRecord,
    private readonly chain: string[],
    private readonly turns: Turns,
  ) {
    this.actor = { apiKeyId: "", name: agent.name, role: "AGENT", agentId: agent.id };
  }

  async run(): Promise<void> {
    const { d, ctx } = this;
    const onWorkerStop = () => this.halt("worker");
    ctx.signal.addEventListener("abort", onWorkerStop, { once: true });
    // The task row is kept current by its change notifications (no read per step), and a
    // person's message raises the inbox flag.
    const unwatch = d.pubsub.subscribe("TASK_CHANGED", ({ taskId, rev }) => {
      if (taskId !== ctx.taskId) return;
      void d.tasks.getShared(taskId, rev).then(
        (t) => {
          if (t) this.remember(t);
          if (!t || t.assignedAgentId !== ctx.agentId || !activeStatuses.includes(t.status)) this.halt("gone");
          else if (t.pausedAt) this.halt("paused");
        },
        () => undefined,
      );
    });
    const unwatchInbox = d.pubsub.subscribe("TASK_MESSAGE", ({ taskId }) => {
      if (taskId === ctx.taskId) this.inbox = true;
    });
    // Events others write (a command's report of its end, a person's note) raise the task's event
    // counter: followed here, the next write's known counter is right and its one batch goes through.
    const unwatchEvents = d.pubsub.subscribe("TASK_EVENT", ({ taskId, seq }) => {
      if (taskId === ctx.taskId) this.sawEventSeq(seq);
    });
    try {
      this.workspaceId = (await d.tools.workspaceFor(ctx.workspaceId, this.actor)).id;
      // Read after subscribing: no change can fall between the two.
      const [state, task, pending] = await Promise.all([
        d.store.open(ctx.taskId, ctx.agentId),
        d.tasks.get(ctx.taskId),
        d.control.pendingMessages(ctx.taskId),
      ]);
      this.state = state;
      if (task) this.remember(task);
      if (pending.length > 0) this.inbox = true;
      if (this.state.messages.length === 0) {
        await this.append([{ role: "user", content: "Start working on the task described above." }], {});
      }
      await this.finishInterruptedStep();
      await this.enterTurn();
      while (!this.stop) {
        if (!(await this.step())) break;
      }
    } catch (err) {
      if (this.stop) return;
      d.logger.error({ err, taskId: ctx.taskId }, "agent run failed");
      await d.tasks
        .addEvent(ctx.taskId, { type: "ERROR", content: "The agent run failed unexpectedly; it will be retried" }, null)
        .catch(() => undefined);
      throw err;
    } finally {
      this.leaveTurn();
      unwatch();
      unwatchInbox();
      unwatchEvents();
      ctx.signal.removeEventListener("abort", onWorkerStop);
    }
  }

  private async enterTurn(): Promise<void> {
    if (this.inTurn) return;
    await this.turns.enter();
    this.inTurn = true;
  }

  private leaveTurn(): void {
    if (!this.inTurn) return;
    this.inTurn = false;
    this.turns.leave();
  }

  /** `fn` (a model call, a tool's execution) without holding a bookkeeping slot. */
  private async outsideTurn<T>(fn: () => Promise<T>): Promise<T> {
    this.leaveTurn();
    try {
      return await fn();
    } finally {
      await this.enterTurn();
    }
  }

  private halt(why: Stop): void {
    if (this.stop === "gone" || this.stop === "worker") return;
    this.stop = why;
    this.modelAbort.abort(new Error(why));
    if (why !== "paused") this.workAbort.abort(new Error(why));
  }

  private remember(t: TaskRecord): void {
    if (!this.task || t.eventSeq >= this.task.eventSeq) this.task = t;
  }

  private readonly sawEventSeq = (seq: number): void => {
    if (seq > this.ownEventSeq) this.ownEventSeq = seq;
  };

  /**
   * The task's row as this run believes it is now: the latest row seen, its event counter raised
   * to this run's own last event. A status change takes it as it is and checks it at its commit.
   */
  private believed(): TaskRecord | null {
    const t = this.task;
    return t && this.ownEventSeq > t.eventSeq ? { ...t, eventSeq: this.ownEventSeq } : t;
  }

  /** Commits `messages` (after the held-back turn, if any) with the counters and events. */
  private async append(messages: ConversationMessage[], patch: StepPatch, opts: AppendOptions = {}) {
    if (opts.inbox) await this.flush();
    const w = this.pending ? mergeWrites(this.pending, { messages, patch, opts }) : { messages, patch, opts };
    const written = await this.d.store.append(this.ctx.taskId, w.messages, w.patch, {
      ...w.opts,
      counters: this.counters(),
      onEventSeq: this.sawEventSeq,
      knownEventSeq: this.believed()?.eventSeq,
    });
    this.pending = null;
    this.applied(written, w.patch);
    return written;
  }

  /** The run's counters as this session knows them (it is the one writing them). */
  private counters(): { messageSeq: number; step: number } {
    return { messageSeq: this.state.messages.length, step: this.state.step };
  }

  /** Commits the held-back turn on its own (before a tool with effects runs, or any other write). */
  private async flush(): Promise<void> {
    if (this.pending) await this.append([], {});
  }

  /** The in-memory state after a committed append. */
  private applied(written: readonly ConversationMessage[], patch: StepPatch): void {
    this.state.messages.push(...written);
    if (patch.step) this.state.step++;
    this.state.activeMs += Math.max(0, Math.round(patch.activeMs ?? 0));
    if (patch.repeatKey !== undefined) this.state.repeatKey = patch.repeatKey;
    if (patch.repeatCount !== undefined) this.state.repeatCount = patch.repeatCount;
  }

  /** The task if the run should go on (not finished, moved, paused or waiting). */
  private current(): TaskRecord | null {
    const t = this.task;
    if (!t || t.assignedAgentId !== this.ctx.agentId || !activeStatuses.includes(t.status)) return null;
    if (t.pausedAt || t.approvalRequestedAt || t.waitingFor) return null;
    return t;
  }

  /** One model turn and its tool calls. Returns false when the run is over. */
  private async step(): Promise<boolean> {
    const { d, ctx } = this;
    const task = this.current();
    if (!task || this.stop) return false;
    if (this.state.step >= d.config.maxSteps) {
      await this.fail(`Stopped: the step limit of ${d.config.maxSteps} model turns was reached`);
      return false;
    }
    if (this.state.activeMs >= d.config.maxRunMs) {
      await this.fail(`Stopped: the time limit of ${Math.round(d.config.maxRunMs / 1000)} s of work was reached`);
      return false;
    }
    const budget = await d.usage.checkBudget(ctx.taskId, task);
    if (!budget.ok) {
      await d.control.pauseWith(
        ctx.taskId,
        `${budget.reason}; raise it with updateTask, then resumeTask`,
        system,
        false,
      );
      return false;
    }

    const started = performance.now();
    // Messages people sent since the last step come first.
    if (this.inbox) {
      this.inbox = false;
      await this.append([], {}, { inbox: true });
    }
    const layout = layoutOfTask(task, ctx.agentId, this.agent.name);
    // A run on a worker that does not hold the workspace (cluster profile) renders what its holder writes.
    const readme =
      readWorkspaceReadmeFor(ctx.workspacePath, layout) ??
      (existsSync(ctx.workspacePath) ? null : renderReadme(layout));
    const serverFallback = d.config.fallback === "openrouter" && this.chain.length > 1;
    const request = {
      messages: wireMessages(systemPrompt(this.agent, task, readme), this.state.messages),
      tools: toolsFor(d.tools.registry, allowedTools(this.agent.tools)),
      tool_choice: "auto" as const,
      usage: { include: true },
      ...(d.config.provider ? { provider: d.config.provider } : {}),
      // OpenRouter's own fallback: it tries the chain server-side; this side retries the first.
      ...(serverFallback ? { models: this.chain } : {}),
    };
    const streamer = new TextStreamer(
      (text, part) =>
        d.tasks
          .addEvent(
            ctx.taskId,
            { type: "MESSAGE", content: text, data: { role: "assistant", step: this.state.step + 1, part } },
            this.actor,
          )
          .then((ev) => this.sawEventSeq(ev.seq)),
      d.streamFlushMs ?? 100,
    );
    let result: ChatResult & { attempts: AttemptRecord[] };
    let rest: { text: string; part: number } | null = null;
    try {
      const signal = AbortSignal.any([this.modelAbort.signal, ctx.signal]);
      [result, rest] = await this.outsideTurn(async () => {
        const r = await chatWithFallback(this.client, serverFallback ? this.chain.slice(0, 1) : this.chain, request, {
          signal,
          timeoutMs: d.config.timeoutMs,
          retries: d.config.retries,
          backoffBaseMs: d.backoffBaseMs ?? 500,
          onDelta: (delta) => {
            if (delta.type === "content") streamer.push(storableText(delta.text));
          },
          onAttempt: (a) => this.recordAttempt(a),
        });
        return [r, await streamer.drain()] as const;
      });
    } catch (err) {
      await streamer.close().catch(() => undefined);
      return this.modelFailed(err);
    }

    const toolCalls: StoredToolCall[] = result.toolCalls.map((c, i) => ({
      id: c.id || `call_${this.state.step + 1}_${i}`,
      name: c.name,
      arguments: c.arguments,
    }));
    // The server's time for every attempt; storing the attempts and everything else is ours.
    const modelMs = result.attempts.reduce((sum, a) => sum + a.latencyMs, 0);
    // The turn and a TOOL_CALL event per call commit together, in the model's order.
    const callEvents = toolCalls.map((c) => ({
      type: "TOOL_CALL" as const,
      content: storableText(`${c.name}(${c.arguments.slice(0, 200)})`),
      data: { tool: c.name, toolCallId: c.id, by: this.agent.name },
      agentId: this.agent.id,
    }));
    // The streamed text not yet written goes with the turn.
    const textEvents: NewTaskEvent[] = rest
      ? [
          {
            type: "MESSAGE",
            content: rest.text,
            data: { role: "assistant", step: this.state.step + 1, part: rest.part },
            agentId: this.agent.id,
          },
        ]
      : [];
    this.pending = {
      messages: [{ role: "assistant", content: storableText(result.content) || null, toolCalls }],
      patch: { step: true, activeMs: performance.now() - started },
      opts: {
        events: [...textEvents, ...callEvents],
        modelCalls: result.attempts
          .filter((a) => a.outcome === "SUCCESS")
          .map((a) => d.usage.row(usageAttempt(this.ctx, a))),
      },
    };
    this.toolMs = 0;
    const more = await this.afterTurn(result.content, toolCalls);
    await this.flush();
    const total = performance.now() - started;
    d.onStep?.({
      taskId: ctx.taskId,
      step: this.state.step,
      modelMs,
      toolMs: this.toolMs,
      overheadMs: total - modelMs - this.toolMs,
    });
    return more;
  }

  private async afterTurn(content: string, toolCalls: StoredToolCall[]): Promise<boolean> {
    if (toolCalls.length === 0) return this.noToolCall(content);
    for (const call of toolCalls) {
      if (this.stop) {
        await this.flush();
        return false;
      }
      const ended = await this.runCall(call);
      if (ended) return false;
    }
    return true;
  }

  /** Failed attempts are stored at once; the successful one is stored with the turn it produced. */
  private async recordAttempt(a: AttemptRecord): Promise<void> {
    const { d, ctx } = this;
    if (a.outcome === "SUCCESS") return;
    await d.usage.record(usageAttempt(this.ctx, a));
    if (a.outcome === "RETRY" || a.outcome === "NEXT_MODEL") {
      const next = a.outcome === "RETRY" ? `retrying in ${a.backoffMs ?? 0} ms` : "trying the next model";
      const ev = await d.tasks.addEvent(
        ctx.taskId,
        {
          type: "ERROR",
          content: `Model ${a.model} failed (${a.errorKind ?? "error"}${a.status ? ` ${a.status}` : ""}): ${next}`,
          data: { model: a.model, attempt: a.sequence, errorKind: a.errorKind ?? null, outcome: a.outcome },
        },
        null,
      );
      this.sawEventSeq(ev.seq);
    }
  }

  /** What a failed model call does to the task. Returns false: the run is over. */
  private async modelFailed(err: unknown): Promise<boolean> {
    const { d, ctx } = this;
    if (!(err instanceof ModelError)) throw err;
    if (err.kind === "CANCELLED" || this.stop) return false;
    const where = err.model ? ` (model ${err.model})` : "";
    switch (err.kind) {
      case "PAYMENT_REQUIRED":
        await d.control.pauseWith(
          ctx.taskId,
          `The model provider answered 402 Payment Required${where}: the account has no credits left. Add credits, then resumeTask`,
          system,
          false,
        );
        return false;
      case "UNAUTHORIZED":
        await this.fail(`The model provider refused the API key (401 Unauthorized)${where}: check OPENROUTER_API_KEY`);
        return false;
      case "BAD_REQUEST":
        await this.fail(`The model server refused the request (${err.status ?? 400})${where}: ${err.providerMessage}`);
        return false;
      default:
        await d.control.pauseWith(
          ctx.taskId,
          `Every model failed (${err.kind})${where}: ${err.message}. resumeTask tries again`,
          system,
          false,
        );
        return false;
    }
  }

  private async noToolCall(content: string): Promise<boolean> {
    const key = "#no-tool-call";
    const { repeatCount: count, stop } = repeatAfter(this.state, key, this.d.config.loopLimit);
    if (stop) {
      await this.fail(`Stopped: ${count} answers in a row without a tool call`);
      return false;
    }
    await this.append([{ role: "user", content: NUDGE }], { repeatKey: key, repeatCount: count });
    if (content) this.d.logger.debug({ taskId: this.ctx.taskId }, "model answered without a tool call");
    return true;
  }

  /** Executes one tool call and stores its result. Returns true when the run must end. */
  private async runCall(call: StoredToolCall): Promise<boolean> {
    const { d } = this;
    const sig = callSignature(call.name, call.arguments);
    const { repeatCount: count, warn, stop } = repeatAfter(this.state, sig, d.config.loopLimit);
    if (stop) {
      await this.result(call, resultText({ error: { code: "LOOP", message: "stopped: the same call again" } }), {
        repeatKey: sig,
        repeatCount: count,
      });
      await this.fail(`Stopped in a loop: ${call.name} was called ${count} times in a row with the same arguments`);
      return true;
    }
    if (warn) {
      await this.flush();
      const ev = await d.tasks.addEvent(
        this.ctx.taskId,
        {
          type: "ERROR",
          content: `Loop warning: ${call.name} called ${count} times in a row with the same arguments`,
          data: { tool: call.name },
        },
        null,
      );
      this.sawEventSeq(ev.seq);
      await this.result(
        call,
        resultText({
          error: {
            code: "LOOP",
            message: `Not run: you have called ${call.name} ${count} times in a row with the same arguments and got the same result. Do something different; one more identical call stops the task.`,
          },
        }),
        { repeatKey: sig, repeatCount: count },
      );
      return false;
    }
    if (isControlTool(call.name)) {
      // A move that ends the run commits (and frees the agent) without a bookkeeping slot: the
      // run has no next call to put in order, and other runs need not wait for its last writes.
      const ends = call.name !== "set_phase";
      if (ends) this.leaveTurn();
      const t0 = performance.now();
      const r = await this.controlCall(call, { repeatKey: sig, repeatCount: count });
      this.toolMs += performance.now() - t0;
      if (ends && !r.ended) await this.enterTurn();
      if (!r.stored) await this.result(call, r.text, { repeatKey: sig, repeatCount: count });
      return r.ended;
    }
    // The turn commits before a tool with effects runs: a run resumed after a crash knows the call.
    await this.flush();
    const t1 = performance.now();
    const { text, ended } = await this.outsideTurn(() => this.execute(call));
    const ms = performance.now() - t1;
    this.toolMs += ms;
    // Cut off by the worker stopping or the task being taken away: the next run (if any) settles it.
    if (!ended && (this.stop === "worker" || this.stop === "gone")) return true;
    await this.result(call, text, { repeatKey: sig, repeatCount: count, activeMs: ms });
    return ended;
  }

  /** Stores a call's result and its TOOL_OUTPUT event in one transaction. */
  private async result(call: StoredToolCall, output: string, patch: StepPatch) {
    const text = storableText(output);
    await this.append([this.toolMessage(call, text)], patch, { events: [this.outputEvent(call, text)] });
  }

  private toolMessage(call: StoredToolCall, text: string): ConversationMessage {
    return { role: "tool", toolCallId: call.id, name: call.name, content: text };
  }

  private outputEvent(call: StoredToolCall, text: string): NewTaskEvent {
    return {
      type: "TOOL_OUTPUT",
      content: text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text,
      data: { tool: call.name, toolCallId: call.id },
      agentId: this.agent.id,
    };
  }

  /**
   * A control tool: the status change and the call's result commit in one transaction. A call
   * that changes nothing (the task is already there) or is refused returns its text unstored.
   */
  private async controlCall(
    call: StoredToolCall,
    patch: StepPatch,
  ): Promise<{ text: string; ended: boolean; stored: boolean }> {
    const { d, ctx } = this;
    let move: { to: TaskStatus; note: string | null; ended: boolean };
    try {
      const args: unknown = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
      if (call.name === "set_phase") {
        const { phase, note } = phaseArgs.parse(args);
        move = { to: phase, note: note ?? null, ended: false };
      } else if (call.name === "complete_task") {
        move = { to: "COMPLETE", note: completeArgs.parse(args).summary, ended: true };
      } else {
        move = { to: "FAILED", note: failArgs.parse(args).reason, ended: true };
      }
    } catch (err) {
      return { text: errorText(err), ended: false, stored: false };
    }
    const task = this.task;
    if (task?.status === move.to || (move.to === "COMPLETE" && task?.approvalRequestedAt)) {
      return { text: resultText({ ok: true, status: task.status }), ended: move.ended, stored: false };
    }
    let written: ConversationMessage[] = [];
    // The held-back turn commits first in the same transaction (its TOOL_CALL before the move).
    const turn = this.pending;
    let turnWritten: ConversationMessage[] = [];
    try {
      const after = await d.tasks.updateStatus(ctx.taskId, move.to, move.note, this.actor, {
        direct: true,
        known: { task: this.believed(), agentRequiresApproval: this.agent.requiresApproval },
        before: turn
          ? async (em, out) => {
              turnWritten = await d.store.appendIn(em, out, ctx.taskId, turn.messages, turn.patch, {
                ...turn.opts,
                counters: this.counters(),
              });
            }
          : undefined,
        within: async (em, out, t) => {
          const text = resultText(
            t.approvalRequestedAt
              ? { ok: true, status: t.status, waitingForApproval: true }
              : { ok: true, status: t.status },
          );
          written = await d.store.appendIn(em, out, ctx.taskId, [this.toolMessage(call, text)], patch, {
            events: [this.outputEvent(call, text)],
            counters: this.counters(),
          });
        },
      });
      this.remember(after);
      if (turn) {
        this.pending = null;
        this.applied(turnWritten, turn.patch);
      }
      this.applied(written, patch);
      const stored = written[0];
      return { text: stored?.role === "tool" ? stored.content : "", ended: move.ended, stored: true };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return { text: errorText(err), ended: false, stored: false };
    }
  }

  private async execute(call: StoredToolCall): Promise<{ text: string; ended: boolean }> {
    try {
      const args: unknown = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
      return await this.registryCall(call, args);
    } catch (err) {
      if (!(err instanceof DomainError) && !(err instanceof SyntaxError)) {
        if (this.stop) return { text: errorText(err), ended: false };
        this.d.logger.error({ err, tool: call.name, taskId: this.ctx.taskId }, "tool call failed");
      }
      return { text: errorText(err), ended: false };
    }
  }

  /** A registry tool's result; `ended` when the call parked the run (waitForTasks with children at work). */
  private async registryCall(call: StoredToolCall, args: unknown): Promise<{ text: string; ended: boolean }> {
    const { d } = this;
    if (!d.tools.registry.get(call.name)) {
      throw new DomainError("NOT_FOUND", `There is no tool ${call.name}`, { field: "name" });
    }
    const allowed = allowedTools(this.agent.tools);
    if (allowed !== null && !allowed.includes(call.name)) {
      throw new DomainError("FORBIDDEN", `The agent may not use ${call.name}`);
    }
    const input = { ...(args && typeof args === "object" ? args : {}), workspaceId: this.workspaceId };
    const out = await d.tools.call(call.name, input, this.actor, this.workAbort.signal, {
      invocationKey: `${this.ctx.taskId}:${call.id}`,
      announced: true,
    });
    if (call.name === "runCommand") return { text: await this.commandResult(out as CommandRunRecord), ended: false };
    const parked = call.name === "waitForTasks" && (out as { parked?: unknown }).parked === true;
    return { text: resultText(out), ended: parked };
  }

  /** A started command: wait for its end, then its status and output. */
  private async commandResult(started: CommandRunRecord): Promise<string> {
    const run = await this.d.commands.wait(started.id, this.workAbort.signal);
    // The run's end committed with its TOOL_OUTPUT event, whose notification may not have come
    // yet (PostgreSQL delivers it on the listening connection, later): read the task's counter,
    // so the next write's known counter counts the report and its one batch goes through.
    const [output, seq] = await Promise.all([
      this.d.commands.outputText(run.id, 8_000),
      this.d.tasks.eventSeq(this.ctx.taskId),
    ]);
    this.sawEventSeq(seq);
    return resultText({
      runId: run.id,
      status: run.status,
      exitCode: run.exitCode,
      signal: run.signal,
      limit: run.limit,
      durationMs: run.durationMs,
      truncated: run.truncated,
      ...output,
    });
  }

  private async fail(reason: string): Promise<void> {
    await this.flush();
    // The reason may quote outside text (a provider's message): stored as text can be, and within the limit.
    const note = storableText(reason).slice(0, limits.noteLength);
    await this.d.tasks.updateStatus(this.ctx.taskId, "FAILED", note, this.actor).catch((err: unknown) => {
      if (!(err instanceof DomainError)) throw err;
    });
  }

  /**
   * A run that was cut off in the middle of a step (the worker died while tools ran): each tool
   * call of the last model turn without a stored result is settled without running twice: one
   * that never started runs now; one that started is reported to the model as interrupted or
   * as finished with its result lost, never executed again.
   */
  private async finishInterruptedStep(): Promise<void> {
    const { d, ctx } = this;
    const open = unansweredCalls(this.state.messages);
    for (const call of open) {
      if (isControlTool(call.name)) {
        const r = await this.controlCall(call, {});
        if (!r.stored) await this.result(call, r.text, {});
        continue;
      }
      const row = await d.tools.byInvocation(`${ctx.taskId}:${call.id}`);
      if (!row) {
        const { text } = await this.execute(call);
        await this.result(call, text, {});
        continue;
      }
      // A command outlives its tool call (runCommand returns once it started): its run tells.
      const run = row.tool === "runCommand" ? await d.commands.byToolCall(row.id) : null;
      if (run && run.status !== "RUNNING") {
        await this.result(call, await this.commandResult(run), {});
        continue;
      }
      const interrupted = row.status === "RUNNING" || run !== null;
      await d.tools.markInterrupted(row.id);
      const text = resultText({
        error: {
          code: "INTERRUPTED",
          message: interrupted
            ? `This call was interrupted: the worker running it stopped. It may have partly run; check the workspace before you repeat it.`
            : `This call ended (${row.status}${row.errorCode ? ` ${row.errorCode}` : ""}) but its result was lost when the worker stopped; check the workspace before you repeat it.`,
        },
      });
      await this.result(call, text, {});
      const ev = await d.tasks.addEvent(
        ctx.taskId,
        {
          type: "PROGRESS",
          content: `Resumed after a worker stopped: ${call.name} was not run again`,
          data: { toolCallId: call.id },
        },
        null,
      );
      this.sawEventSeq(ev.seq);
    }
  }
}
