/** Reading a ConversationMessage's `data` (pure: unit-tested in timeline.test.ts). */

export interface ConversationToolCall {
  id: string;
  name: string;
  /** The arguments as pretty JSON (or as given, when they are not JSON). */
  arguments: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** ASSISTANT: { toolCalls: [{ id, name, arguments }] } → the calls; anything else → none. */
export function toolCallsOf(data: unknown): ConversationToolCall[] {
  if (!isObject(data) || !Array.isArray(data.toolCalls)) return [];
  return data.toolCalls.filter(isObject).map((c) => ({
    id: String(c.id ?? ""),
    name: String(c.name ?? "tool"),
    arguments: prettyArguments(c.arguments),
  }));
}

export function prettyArguments(args: unknown): string {
  if (typeof args === "string") {
    try {
      return JSON.stringify(JSON.parse(args), null, 2);
    } catch {
      return args;
    }
  }
  if (args === undefined || args === null) return "";
  return JSON.stringify(args, null, 2);
}

/** TOOL: { toolCallId, name }; USER: { author }: a short label of who wrote the message. */
export function authorOf(role: string, data: unknown): string {
  const d = isObject(data) ? data : {};
  if (role === "TOOL") return `Result of ${typeof d.name === "string" ? d.name : "a tool"}`;
  if (role === "USER") return typeof d.author === "string" ? `From ${d.author}` : "From the runtime";
  return "The model";
}
