import { z } from "zod";
import type { ToolDefinition as ModelTool } from "../infra/models/model-client.js";
import type { ToolDefinition as RegistryTool, ToolRegistry } from "../tools/registry.js";
import { DomainError } from "../domain/errors.js";
import type { Json } from "../domain/terms.js";

/** The runtime's own tools: they move the task, and exist only in the model's tool list. */
export const controlTools = ["set_phase", "complete_task", "fail_task"] as const;
export type ControlTool = (typeof controlTools)[number];
export const isControlTool = (name: string): name is ControlTool => (controlTools as readonly string[]).includes(name);

export const phaseArgs = z.object({
  phase: z.enum(["DESIGN", "BUILD", "TEST", "REVIEW"]),
  note: z.string().max(2_000).optional(),
});
export const completeArgs = z.object({ summary: z.string().min(1).max(10_000) });
export const failArgs = z.object({ reason: z.string().min(1).max(10_000) });

const controlSchemas: ModelTool[] = [
  {
    type: "function",
    function: {
      name: "set_phase",
      description:
        "Move the task to its next phase once the current one is done: DESIGN → BUILD → TEST → REVIEW (or back to BUILD from TEST or REVIEW to fix something). The state machine refuses skipped phases.",
      parameters: z.toJSONSchema(phaseArgs) as Record<string, unknown>,
    },
  },
  {
    type: "function",
    function: {
      name: "complete_task",
      description:
        "Finish the task from REVIEW with a summary of what was done and where the results are. If the task needs approval, it then waits for a person.",
      parameters: z.toJSONSchema(completeArgs) as Record<string, unknown>,
    },
  },
  {
    type: "function",
    function: {
      name: "fail_task",
      description:
        "Give up on the task, with the reason (what is missing or impossible). Use only when it cannot be done.",
      parameters: z.toJSONSchema(failArgs) as Record<string, unknown>,
    },
  },
];

const schemas = new WeakMap<RegistryTool, ModelTool>();

/** A registry tool as the model sees it: its input without `workspaceId`, which the runtime fills in. */
function modelSchema(tool: RegistryTool): ModelTool {
  let schema = schemas.get(tool);
  if (!schema) {
    const parameters = z.toJSONSchema(tool.input, { io: "input" }) as {
      properties?: Record<string, unknown>;
      required?: string[];
    } & Record<string, unknown>;
    if (parameters.properties) delete parameters.properties.workspaceId;
    if (parameters.required) parameters.required = parameters.required.filter((r) => r !== "workspaceId");
    schema = { type: "function", function: { name: tool.id, description: tool.description, parameters } };
    schemas.set(tool, schema);
  }
  return schema;
}

/** The tools an agent's runtime offers: the registry's that the agent may use (all when `allowed` is null), then the control tools. */
export function toolsFor(registry: ToolRegistry, allowed: readonly string[] | null): ModelTool[] {
  const usable = registry
    .list()
    .filter((t) => t.policy.roles.includes("AGENT") && (allowed === null || allowed.includes(t.id)));
  return [...usable.map(modelSchema), ...controlSchemas];
}

/** The agent's allowed tool list from its row (null: all). */
export function allowedTools(tools: Json): string[] | null {
  return Array.isArray(tools) ? tools.filter((t): t is string => typeof t === "string") : null;
}

const MAX_RESULT_CHARS = 16_000;
const MAX_STRING_CHARS = 12_000;

/** A tool's output as text for the model: JSON, long strings cut, the whole capped. */
export function resultText(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "string" && v.length > MAX_STRING_CHARS
      ? `${v.slice(0, MAX_STRING_CHARS / 2)}… (${v.length - MAX_STRING_CHARS} characters left out) …${v.slice(-MAX_STRING_CHARS / 2)}`
      : v,
  );
  const t = text ?? "null";
  return t.length <= MAX_RESULT_CHARS ? t : `${t.slice(0, MAX_RESULT_CHARS)}… (cut at ${MAX_RESULT_CHARS} characters)`;
}

/** An error as the model sees it: typed errors with their code, anything else without detail. */
export function errorText(err: unknown): string {
  if (err instanceof DomainError) {
    return resultText({
      error: { code: err.code, message: err.message, ...(err.details.field ? { field: err.details.field } : {}) },
    });
  }
  if (err instanceof SyntaxError)
    return resultText({ error: { code: "BAD_USER_INPUT", message: `arguments are not valid JSON: ${err.message}` } });
  return resultText({ error: { code: "INTERNAL", message: "the tool failed unexpectedly; the failure is logged" } });
}

/** A tool call's identity for loop detection: its name and its arguments with keys sorted. */
export function callSignature(name: string, args: string): string {
  let canonical = args.trim();
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(args) as unknown));
  } catch {
    // invalid JSON: compared as written
  }
  const sig = `${name}:${canonical}`;
  return sig.length <= 200 ? sig : `${sig.slice(0, 150)}#${hash(sig)}`;
}

/** How many answers or calls in a row were the same (by key); the run's state keeps it across steps. */
export interface RepeatState {
  repeatKey: string | null;
  repeatCount: number;
}

/**
 * Loop detection: the state after one more answer or call with `key`; a warning when the same one
 * has come `limit` times in a row, and the run must stop when it comes once more.
 */
export function repeatAfter(
  state: RepeatState,
  key: string,
  limit: number,
): RepeatState & { warn: boolean; stop: boolean } {
  const repeatCount = state.repeatKey === key ? state.repeatCount + 1 : 1;
  return { repeatKey: key, repeatCount, warn: repeatCount === limit, stop: repeatCount > limit };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}
