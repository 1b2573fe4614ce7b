import type { Principal } from "../domain/auth/principal.js";
import { assertMay } from "../domain/auth/access.js";
import { roleAllows } from "../domain/auth/principal.js";
import { conflict, DomainError, forbidden, invalidFields, notFound, workspaceRemoved } from "../domain/errors.js";
import { isId, newId } from "../domain/ids.js";
import type { Deps } from "../domain/shared/deps.js";
import type { ToolCallStore } from "../domain/tools/tool-call.store.js";
import { keyset, toPage, type Page, type PageArgs } from "../domain/shared/pagination.js";
import { appendEvent } from "../domain/tasks/task-events.js";
import type { TaskService } from "../domain/tasks/task.service.js";
import type { WorkspaceService } from "../domain/workspaces/workspace.service.js";
import { workspaceLost, type WorkspaceRouter } from "../domain/workspaces/workspace-router.js";
import type { WorkspaceRecord } from "../domain/records.js";
import type { ToolDeps } from "./deps.js";
import type { ToolCallRecord } from "../domain/records.js";
import { spanAttributes, traced, type SpanHandle } from "../telemetry/tracing.js";
import { summariseInput, type ToolDefinition, type ToolRegistry, type ToolWorkspace } from "./registry.js";

const describeCall = (tool: string, input: Record<string, unknown>): string => {
  const shown = Object.entries(input)
    .filter(
      ([k, v]) => k !== "workspaceId" && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"),
    )
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${JSON.stringify(typeof v === "string" && v.length > 80 ? `${v.slice(0, 80)}…` : v)}`);
  return `${tool}(${shown.join(", ")})`;
};

/** The workspace operation that runs a tool call on the workspace's holder. */
export const TOOL_CALL_OP = "tool.call";

interface RoutedToolCall {
  toolId: string;
  input: unknown;
  caller: Principal;
  opts: { invocationKey?: string; announced?: boolean };
}

/**
 * Every problem of a bad input at once (BAD_USER_INPUT): `field` names the first, `fields` all
 * of them with their paths and messages, for the API's caller and for the model, which corrects
 * its call from the same list.
 */
export function invalidInput(issues: readonly { path: readonly PropertyKey[]; message: string }[]): DomainError {
  return invalidFields(issues.map((i) => ({ path: i.path.map(String).join(".") || "input", message: i.message })));
}

interface CallOptions {
  /** The built-in runtime's key for the model's tool call (see ToolCallRecord.invocationKey). */
  invocationKey?: string;
  /** The caller wrote the TOOL_CALL event already (the runtime does, with the model's turn). */
  announced?: boolean;
  /** A peer sent this call to the workspace's holder (this process): it runs here. */
  routed?: boolean;
}

/**
 * The one way any tool runs, for people, external agents and the built-in runtime alike:
 * validate the input against the tool's schema, check the caller's role and workspace, record
 * a ToolCall row and a TOOL_CALL event on the task, run, and record how it ended.
 */
export class ToolService {
  constructor(
    private readonly deps: Deps,
    private readonly store: ToolCallStore,
    readonly registry: ToolRegistry,
    private readonly workspaces: WorkspaceService,
    private readonly tasks: TaskService,
    private readonly toolDeps: ToolDeps,
    /** Where a workspace's calls run (its holder); none: always here. */
    private readonly router?: WorkspaceRouter,
  ) {
    router?.handle(TOOL_CALL_OP, async (raw, { signal }) => {
      const r = raw as RoutedToolCall;
      return { result: await this.call(r.toolId, r.input, r.caller, signal, { ...r.opts, routed: true }) };
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Resolves and authorises the workspace a caller names. */
  async workspaceFor(workspaceId: string, caller: Principal, field = "workspaceId"): Promise<ToolWorkspace> {
    const ws = await this.usableWorkspace(workspaceId, caller, field);
    return { id: ws.id, root: ws.path, taskId: ws.taskId, agentId: ws.agentId };
  }

  private async usableWorkspace(workspaceId: string, caller: Principal, field: string): Promise<WorkspaceRecord> {
    const ws = isId(workspaceId) ? await this.workspaces.get(workspaceId) : null;
    if (!ws) throw notFound("Workspace", workspaceId, field);
    assertMay(caller, "see", { kind: "workspace", agentId: ws.agentId });
    if (ws.status === "REMOVED") throw workspaceRemoved(ws.id, ws.updatedAt, field);
    if (ws.status === "LOST") throw workspaceLost(ws.id);
    if (ws.status !== "READY") {
      throw conflict(
        ws.status === "FAILED"
          ? `The workspace could not be created: ${ws.error ?? "unknown reason"}`
          : "The workspace is still being created; try again when its status is READY",
        field,
      );
    }
    return ws;
  }

  /** Runs a tool in a span of its own (`tool <id>`: the tool, the call's id, its task and status). */
  call<O = unknown>(
    toolId: string,
    rawInput: unknown,
    caller: Principal,
    signal?: AbortSignal,
    opts: CallOptions = {},
  ): Promise<O> {
    const known = this.registry.get(toolId) !== undefined;
    return traced(
      known ? `tool ${toolId}` : "tool (unknown)",
      { attributes: known ? { [spanAttributes.toolId]: toolId } : {} },
      (span) => this.run<O>(toolId, rawInput, caller, signal, opts, span),
    );
  }

  private async run<O>(
    toolId: string,
    rawInput: unknown,
    caller: Principal,
    signal: AbortSignal | undefined,
    opts: CallOptions,
    span: SpanHandle,
  ): Promise<O> {
    const tool = this.registry.get(toolId) as ToolDefinition<never, O> | undefined;
    if (!tool) throw notFound("Tool", toolId, "tool");
    if (!roleAllows(caller.role, tool.policy.roles)) {
      throw forbidden(`${toolId} needs the ${tool.policy.roles.join(" or ")} role; your key has ${caller.role}`);
    }
    const parsed = (tool.input as unknown as import("zod").ZodObject).safeParse(rawInput);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const input = parsed.data as Record<string, unknown> & { workspaceId: string };
    const record = await this.usableWorkspace(input.workspaceId, caller, "workspaceId");
    if (this.router && !opts.routed && !this.router.isLocal(record)) {
      // Held by another process: the whole call (its row, events and output) happens there.
      const routed: RoutedToolCall = {
        toolId,
        input: rawInput,
        caller,
        opts: { invocationKey: opts.invocationKey, announced: opts.announced },
      };
      return (await this.router.forward(record, TOOL_CALL_OP, routed, { signal })).result as O;
    }
    const workspace = { id: record.id, root: record.path, taskId: record.taskId, agentId: record.agentId };

    const id = newId();
    span.task(workspace.taskId);
    span.set({ [spanAttributes.toolCallId]: id });
    const started = this.now();
    const recorded = tool.recordInput ? tool.recordInput(input as never) : summariseInput(input);
    const row: ToolCallRecord = {
      id,
      tool: toolId,
      taskId: workspace.taskId,
      workspaceId: workspace.id,
      callerName: caller.name,
      callerKeyId: caller.apiKeyId || null,
      callerAgentId: caller.agentId,
      input: recorded,
      status: "RUNNING",
      errorCode: null,
      errorMessage: null,
      startedAt: started,
      finishedAt: null,
      durationMs: null,
      invocationKey: opts.invocationKey ?? null,
    };
    // A person's read is recorded, but is no event of the task: looking must not change it.
    const silent = tool.policy.readOnly === true && caller.role !== "AGENT";
    if (opts.announced || silent) {
      await this.store.insert(null, row);
    } else {
      await this.deps.transact(async (em, out) => {
        await this.store.insert(em, row);
        await appendEvent(
          this.deps,
          em,
          out,
          workspace.taskId,
          {
            type: "TOOL_CALL",
            content: describeCall(toolId, input),
            data: { toolCallId: id, tool: toolId, by: caller.name },
            agentId: caller.agentId,
          },
          started,
        );
      });
    }

    const finish = async (status: "SUCCEEDED" | "FAILED" | "DENIED", err?: unknown) => {
      span.set({ [spanAttributes.toolStatus]: status });
      const finishedAt = this.now();
      const code = err instanceof DomainError ? err.code : err ? "INTERNAL" : null;
      const message = err instanceof Error ? err.message.slice(0, 2000) : null;
      await this.store.finish(id, {
        status,
        errorCode: code,
        errorMessage: err instanceof DomainError ? message : err ? "internal error" : null,
        finishedAt,
        durationMs: finishedAt.getTime() - started.getTime(),
      });
    };
    try {
      const output = await tool.execute(
        {
          toolCallId: id,
          caller,
          workspace,
          deps: this.toolDeps,
          signal: signal ?? new AbortController().signal,
          emit: async (event) => {
            await this.tasks.addEvent(workspace.taskId, event, null);
          },
        },
        input as never,
      );
      await finish("SUCCEEDED");
      return output;
    } catch (err) {
      await finish(err instanceof DomainError && err.code === "POLICY_DENIED" ? "DENIED" : "FAILED", err).catch(
        (e: unknown) => this.deps.logger.error({ err: e, toolCallId: id }, "could not record the end of a tool call"),
      );
      if (!(err instanceof DomainError)) this.deps.logger.error({ err, tool: toolId, toolCallId: id }, "tool failed");
      throw err;
    }
  }

  /** The call the built-in runtime made for one of the model's tool calls, if it got that far. */
  async byInvocation(key: string): Promise<ToolCallRecord | null> {
    return this.store.byInvocation(key);
  }

  /**
   * Records a call whose worker died while it ran (found RUNNING when its run resumed), and the
   * command it had started: its process died with the worker (bubblewrap's --die-with-parent).
   */
  async markInterrupted(id: string): Promise<void> {
    const now = this.now();
    await this.deps.transact((tx) => this.store.markInterrupted(tx, id, now));
  }

  async get(id: string): Promise<ToolCallRecord | null> {
    if (!isId(id)) return null;
    return this.store.get(id);
  }

  /** The calls with these ids, by id (ids that are no call are missing). */
  async byIds(ids: readonly string[]): Promise<Map<string, ToolCallRecord>> {
    const rows = await this.store.byIds(ids.filter(isId));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** A task's tool calls, newest first. */
  async list(taskId: string, args: PageArgs): Promise<Page<ToolCallRecord>> {
    if (!isId(taskId)) throw notFound("Task", taskId, "taskId");
    const range = keyset(args);
    const rows = await this.store.page(taskId, range);
    return toPage(rows, range, () => this.store.count(taskId));
  }
}
