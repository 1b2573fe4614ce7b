import { z } from "zod";
import type { Principal } from "../domain/auth/principal.js";
import type { Json, Role } from "../domain/terms.js";
import type { NewTaskEvent } from "../domain/tasks/task-events.js";
import { asId } from "./api-shape.js";
import type { ToolDeps } from "./deps.js";

/** What a tool needs before it may run; checked by the tool service for every caller. */
export interface ToolPolicy {
  /** Roles that may call it over the API (the runtime calls as its agent, with role AGENT). */
  roles: readonly Role[];
  /** It runs untrusted code: only inside the sandbox (or with SANDBOX=none, recorded as such). */
  sandbox: boolean;
  /** It may reach the network (granted by the policy for this call only). */
  network: boolean;
  /**
   * It changes nothing (reads): when a person calls it, the call is recorded as a ToolCall row
   * only, not as a TOOL_CALL event on the task (a VIEWER's look must not change the task).
   */
  readOnly?: boolean;
}

/** The workspace a call works in, resolved and authorised by the tool service. */
export interface ToolWorkspace {
  id: string;
  root: string;
  taskId: string;
  agentId: string;
}

export interface ToolContext {
  toolCallId: string;
  caller: Principal;
  workspace: ToolWorkspace;
  /** What the tools need of the rest of the service (given to the tool service once, at start). */
  deps: ToolDeps;
  /** Aborted when the call is cancelled (its task cancelled, the server stopping). */
  signal: AbortSignal;
  /** Writes an event on the workspace's task (e.g. streamed output summaries). */
  emit(event: NewTaskEvent): Promise<void>;
}

/** Every tool input names its workspace; the rest is the tool's own. */
export const workspaceInput = z.object({
  workspaceId: asId(z.string().min(1).max(64)).describe("The workspace (of a task) the tool works in."),
});

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O = unknown> {
  id: string;
  /** For the model (its function's description) and the API (the mutation's). */
  description: string;
  /** Field descriptions (`.describe()`) reach the model's JSON schema and the API's arguments alike. */
  input: I;
  /** Object and enum schemas are named for the API with `named()` (see api-shape.ts). */
  output: z.ZodType<O>;
  policy: ToolPolicy;
  /** The API's shape of the input: one `input` argument of this input type; default: one argument per field. */
  inputType?: string;
  execute(ctx: ToolContext, input: z.infer<I>): Promise<O>;
  /** What the ToolCall row keeps of the input (default: the input with long strings shortened). */
  recordInput?(input: z.infer<I>): Json;
}

/**
 * Declares a tool once. From this one declaration the runtime makes the model's function
 * (runtime-tools.ts), the API makes the typed GraphQL mutation with its input and output types
 * (src/graphql/tools/tool-operations.ts), and the tool service checks the caller and records the
 * ToolCall. Adding a tool is its file plus one line in catalog.ts.
 */
export function defineTool<I extends z.ZodObject, O>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  if (!/^[a-z][A-Za-z0-9]{1,63}$/.test(def.id)) throw new Error(`tool id ${def.id} must be camelCase`);
  if (!("workspaceId" in def.input.shape)) throw new Error(`tool ${def.id}: input must carry workspaceId`);
  return def;
}

/** The JSON-schema function description a model gets for a tool (OpenAI/OpenRouter tools format). */
export function toFunctionSchema(tool: ToolDefinition): {
  type: "function";
  function: { name: string; description: string; parameters: unknown };
} {
  return {
    type: "function",
    function: { name: tool.id, description: tool.description, parameters: z.toJSONSchema(tool.input) },
  };
}

export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  constructor(tools: readonly ToolDefinition[] = []) {
    this.register(...tools);
  }

  register(...tools: ToolDefinition[]): this {
    for (const t of tools) {
      if (this.tools.has(t.id)) throw new Error(`tool ${t.id} is registered twice`);
      this.tools.set(t.id, t);
    }
    return this;
  }

  get(id: string): ToolDefinition | undefined {
    return this.tools.get(id);
  }

  list(): ToolDefinition[] {
    return [...this.tools.values()];
  }
}

/** Strings longer than this are shortened in the recorded input (file contents, code). */
const RECORDED_STRING_MAX = 500;

export function summariseInput(value: unknown): Json {
  if (typeof value === "string") {
    return value.length <= RECORDED_STRING_MAX
      ? value
      : `${value.slice(0, RECORDED_STRING_MAX)}… (${value.length} characters)`;
  }
  if (Array.isArray(value)) return value.slice(0, 100).map(summariseInput);
  if (value && typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      // Environment values may carry secrets: names only.
      out[k] = k === "env" && v && typeof v === "object" ? Object.keys(v) : summariseInput(v);
    }
    return out;
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  return null;
}
