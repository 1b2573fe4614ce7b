/**
 * Model turns for runtime tests, built from the recorded OpenRouter answer with a tool call
 * (`nonstream_tool_call_usage_cost.response.json`: its ids, model, provider and usage with cost)
 * with the tool calls a test needs in place of the recorded one; streamed in the shape
 * `toolCallStreamFrames` documents (keep-alive comments, the first delta of each call with id and
 * name, argument pieces, a finish chunk, a usage chunk, `[DONE]`).
 */
import { dataFrame, doneFrame, keepAlive, readJsonFixture, type Turn } from "./fake-openrouter.js";

export type Call = [name: string, args: Record<string, unknown>];

interface Recorded {
  id: string;
  model: string;
  provider: string;
  created: number;
  usage: { prompt_tokens: number; completion_tokens: number; cost: number } & Record<string, unknown>;
  choices: Array<{ message: Record<string, unknown> } & Record<string, unknown>>;
}

let recordedOnce: Recorded | undefined;
/** The recording, read once (turns are built from it, never changing it). */
const recorded = (): Recorded =>
  (recordedOnce ??= readJsonFixture<Recorded>("nonstream_tool_call_usage_cost.response.json"));

/** The recorded call's cost, per turn (USD). */
export const TURN_COST = recorded().usage.cost;
/** Its prompt + completion tokens, per turn. */
export const TURN_TOKENS = recorded().usage.prompt_tokens + recorded().usage.completion_tokens;

let counter = 0;
const callId = () => `chatcmpl-tool-${(++counter).toString(16).padStart(8, "0")}`;

/** One model answer calling `calls` (with optional text before them), streamed by default. */
export function callTurn(calls: Call[], opts: { stream?: boolean; text?: string; delayMs?: number } = {}): Turn {
  const r = recorded();
  const withIds = calls.map(([name, args]) => ({ id: callId(), name, arguments: JSON.stringify(args) }));
  if (opts.stream === false) {
    const choice = r.choices[0]!;
    const body = {
      ...r,
      choices: [
        {
          ...choice,
          message: {
            ...choice.message,
            content: opts.text ?? null,
            tool_calls: withIds.map((c, index) => ({
              id: c.id,
              index,
              type: "function",
              function: { name: c.name, arguments: c.arguments },
            })),
          },
        },
      ],
    };
    return { type: "json", body, ...(opts.delayMs ? { delayMs: opts.delayMs } : {}) };
  }
  const head = { id: r.id, provider: r.provider, model: r.model, object: "chat.completion.chunk", created: r.created };
  const chunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    dataFrame({
      ...head,
      choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }],
      ...extra,
    });
  const frames = [keepAlive];
  if (opts.text) {
    for (const piece of opts.text.match(/.{1,12}/gs) ?? []) frames.push(chunk({ role: "assistant", content: piece }));
  }
  for (const [index, c] of withIds.entries()) {
    frames.push(
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: "" } }],
      }),
    );
    const size = Math.max(1, Math.ceil(c.arguments.length / 3));
    for (let i = 0; i < c.arguments.length; i += size) {
      frames.push(
        chunk({
          role: "assistant",
          content: null,
          tool_calls: [{ index, function: { arguments: c.arguments.slice(i, i + size) } }],
        }),
      );
    }
  }
  frames.push(chunk({ role: "assistant", content: "" }, withIds.length > 0 ? "tool_calls" : "stop"));
  frames.push(chunk({ role: "assistant", content: "" }, null, { usage: r.usage }));
  frames.push(doneFrame);
  return { type: "sse", frames, frameDelayMs: opts.delayMs ?? 1 };
}

/** The tool calls of a recorded request's assistant messages, and the tool results that answered them. */
export function conversationOf(body: Record<string, unknown>) {
  const messages = (body.messages ?? []) as Array<Record<string, unknown>>;
  return {
    messages,
    toolResults: messages.filter((m) => m.role === "tool").map((m) => String(m.content)),
    assistantCalls: messages
      .filter((m) => m.role === "assistant")
      .flatMap((m) => ((m.tool_calls ?? []) as Array<{ id: string; function: { name: string } }>).map((c) => c.id)),
  };
}
