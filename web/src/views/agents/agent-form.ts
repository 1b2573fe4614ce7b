import { locateJsonError } from "./json-locate";

/** The agent form's pure parts: JSON policy parsing with line/column, lists, and the inputs. */

export type JsonParse =
  { ok: true; value: Record<string, unknown> | null } | { ok: false; message: string; line: number; column: number };

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/**
 * Parses a tool policy typed as JSON: empty text is null (no changes); anything but an object
 * is refused; a syntax error says where (line and column), from the engine's position.
 */
export function parsePolicy(text: string): JsonParse {
  if (text.trim() === "") return { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const found = locateJsonError(text);
    const where = lineColumn(text, found?.offset ?? text.length);
    const reason = found?.reason ?? (err as Error).message;
    return {
      ok: false,
      message: `JSON syntax error at line ${where.line}, column ${where.column}: ${reason}`,
      ...where,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: 'The policy must be a JSON object, such as {"allow": ["git"]}.', line: 1, column: 1 };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** "a, b\nc" → ["a", "b", "c"]; empty text → null (the default). */
export function parseList(text: string): string[] | null {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
}

export interface AgentFormValues {
  name: string;
  kind: "BUILTIN" | "EXTERNAL";
  minComplexity: string;
  maxComplexity: string;
  maxConcurrentTasks: string;
  model: string;
  instructions: string;
  tools: string;
  requiresApproval: boolean;
  emailRecipients: string;
  policy: string;
}

export interface AgentLike {
  name: string;
  kind: "BUILTIN" | "EXTERNAL";
  minComplexity: number;
  maxComplexity: number;
  maxConcurrentTasks: number;
  model?: string | null;
  instructions?: string | null;
  tools?: readonly string[] | null;
  requiresApproval: boolean;
  emailRecipients?: readonly string[] | null;
  toolPolicy?: Record<string, unknown> | null;
}

export function formValues(agent: AgentLike | null): AgentFormValues {
  if (!agent)
    return {
      name: "",
      kind: "BUILTIN",
      minComplexity: "1",
      maxComplexity: "10",
      maxConcurrentTasks: "1",
      model: "",
      instructions: "",
      tools: "",
      requiresApproval: false,
      emailRecipients: "",
      policy: "",
    };
  return {
    name: agent.name,
    kind: agent.kind,
    minComplexity: String(agent.minComplexity),
    maxComplexity: String(agent.maxComplexity),
    maxConcurrentTasks: String(agent.maxConcurrentTasks),
    model: agent.model ?? "",
    instructions: agent.instructions ?? "",
    tools: (agent.tools ?? []).join(", "),
    requiresApproval: agent.requiresApproval,
    emailRecipients: (agent.emailRecipients ?? []).join(", "),
    policy: agent.toolPolicy && Object.keys(agent.toolPolicy).length ? JSON.stringify(agent.toolPolicy, null, 2) : "",
  };
}

/** A number field: the integer typed, or NaN so the API names the field (never guessed). */
const int = (s: string): number => (s.trim() === "" ? Number.NaN : Number(s));

/** createAgent's input from the form. Numbers the API must judge are sent as typed. */
export function createInput(v: AgentFormValues) {
  const tools = parseList(v.tools);
  const emailRecipients = parseList(v.emailRecipients);
  return {
    name: v.name.trim(),
    kind: v.kind,
    minComplexity: int(v.minComplexity),
    maxComplexity: int(v.maxComplexity),
    maxConcurrentTasks: int(v.maxConcurrentTasks),
    requiresApproval: v.requiresApproval,
    ...(v.model.trim() ? { model: v.model.trim() } : {}),
    ...(v.instructions.trim() ? { instructions: v.instructions } : {}),
    ...(tools ? { tools } : {}),
    ...(emailRecipients ? { emailRecipients } : {}),
  };
}

/** updateAgent's input: only what changed; emptied lists and model go back to the defaults. */
export function updateInput(before: AgentFormValues, v: AgentFormValues) {
  const out: Record<string, unknown> = {};
  if (v.name.trim() !== before.name) out.name = v.name.trim();
  for (const k of ["minComplexity", "maxComplexity", "maxConcurrentTasks"] as const)
    if (v[k] !== before[k]) out[k] = int(v[k]);
  if (v.requiresApproval !== before.requiresApproval) out.requiresApproval = v.requiresApproval;
  if (v.instructions !== before.instructions) out.instructions = v.instructions;
  if (v.model.trim() !== before.model) {
    if (v.model.trim()) out.model = v.model.trim();
    else out.clearModel = true;
  }
  if (v.tools !== before.tools) {
    const tools = parseList(v.tools);
    if (tools) out.tools = tools;
    else out.clearTools = true;
  }
  if (v.emailRecipients !== before.emailRecipients) {
    const list = parseList(v.emailRecipients);
    if (list) out.emailRecipients = list;
    else out.clearEmailRecipients = true;
  }
  return out;
}
