/**
 * The timeline's display model (pure: unit-tested in timeline.test.ts): each TaskEvent as a line
 * for people, and TOOL_CALLs folded with their results (TOOL_OUTPUT of the same toolCallId).
 */
import type { TaskViewEventsSubscription } from "../../gql/graphql";
import { duration, humanize } from "../../lib/format";

export type TaskEventItem = TaskViewEventsSubscription["taskEvents"];

export type Tone = "normal" | "error" | "muted" | "status";

export interface EventDisplay {
  seq: number;
  type: TaskEventItem["type"];
  /** One line for people: "Build → Test by ops". */
  summary: string;
  /** Markdown to render below the summary (a message's text); null: none. */
  markdown: string | null;
  /** Plain text to show below the summary (a tool's output, a note); null: none. */
  text: string | null;
  tone: Tone;
  /** For a LINK: where it goes. */
  href: string | null;
}

const name = (s: string | null | undefined) => (s ? humanize(s) : "—");

/** Describes one event for people, by its type and typed details. */
export function describeEvent(e: TaskEventItem): EventDisplay {
  const base = { seq: e.seq, type: e.type, markdown: null, text: null, tone: "normal" as Tone, href: null };
  const d = e.details;
  switch (e.type) {
    case "STATUS_CHANGE": {
      if (d?.__typename !== "StatusChangeDetails") return { ...base, summary: e.content, tone: "status" };
      const by = d.by ? ` by ${d.by}` : "";
      const note = d.note || d.summary || null;
      if (d.paused === true)
        return { ...base, summary: `Paused${by}${d.pauseReason ? `: ${d.pauseReason}` : ""}`, tone: "status" };
      if (d.paused === false) return { ...base, summary: `Resumed${by}`, tone: "status" };
      if (d.awaitingApproval && d.from === d.to)
        return { ...base, summary: `Awaiting approval in ${name(d.to)}`, markdown: note, tone: "status" };
      const move = d.from ? `${name(d.from)} → ${name(d.to)}` : `Created in ${name(d.to)}`;
      const agent = d.agentName && d.to === "DESIGN" ? ` (assigned to ${d.agentName})` : "";
      return { ...base, summary: `${move}${by}${agent}`, text: note, tone: "status" };
    }
    case "MESSAGE": {
      const who =
        d?.__typename === "MessageDetails"
          ? d.role === "USER"
            ? `Message from ${d.author ?? "a person"}`
            : `${e.agent?.name ?? "The model"} says`
          : "Message";
      return { ...base, summary: who, markdown: e.content };
    }
    case "TOOL_CALL": {
      const tool = d?.__typename === "ToolCallDetails" ? d.callTool : "a tool";
      const by = d?.__typename === "ToolCallDetails" && d.by ? ` by ${d.by}` : "";
      return { ...base, summary: `Called ${tool}${by}`, text: e.content };
    }
    case "TOOL_OUTPUT": {
      if (d?.__typename !== "ToolOutputDetails") return { ...base, summary: "Tool output", text: e.content };
      let summary = d.tool ? `Result of ${d.tool}` : "Command run";
      if (d.waiting) summary += ": waiting for a free slot";
      else if (d.running) summary += ": running";
      else if (d.status)
        summary += `: ${humanize(d.status)}${d.exitCode !== null && d.exitCode !== undefined ? ` (exit ${d.exitCode})` : ""}`;
      if (d.durationMs !== null && d.durationMs !== undefined && !d.running) summary += ` in ${duration(d.durationMs)}`;
      const failed =
        d.status === "FAILED" || d.status === "TIMED_OUT" || d.status === "LIMIT_EXCEEDED" || (d.exitCode ?? 0) !== 0;
      return { ...base, summary, text: e.content, tone: failed ? "error" : "normal" };
    }
    case "ERROR": {
      let summary = "Error";
      if (d?.__typename === "ErrorDetails") {
        if (d.errorKind) summary += ` (${d.errorKind}${d.model ? ` from ${d.model}` : ""})`;
        if (d.outcome === "RETRY") summary += ": retrying";
        if (d.outcome === "NEXT_MODEL") summary += ": trying the next model";
        if (d.waiting) summary += ": waiting";
      }
      return { ...base, summary, text: e.content, tone: "error" };
    }
    case "LINK": {
      if (d?.__typename !== "LinkDetails") return { ...base, summary: e.content };
      const what = `${humanize(d.kind)}${d.number ? ` #${d.number}` : ""}${d.repository ? ` in ${d.repository}` : ""}`;
      const state = d.state ? ` (${humanize(d.state)})` : "";
      return {
        ...base,
        summary: `${d.change === "CREATED" ? "Linked" : "Link changed"}: ${what}${state}`,
        text: d.title ?? null,
        href: d.url,
      };
    }
    case "PROGRESS":
      return { ...base, summary: e.content, tone: "muted" };
    default:
      return { ...base, summary: e.content };
  }
}

/** A line of the timeline: an event, and for a TOOL_CALL the results that answer it. */
export interface TimelineEntry {
  event: TaskEventItem;
  outputs: TaskEventItem[];
}

function callId(e: TaskEventItem): string | null {
  if (e.type === "TOOL_CALL" && e.details?.__typename === "ToolCallDetails") return e.details.callId;
  return null;
}

function outputCallId(e: TaskEventItem): string | null {
  if (e.type === "TOOL_OUTPUT" && e.details?.__typename === "ToolOutputDetails") return e.details.toolCallId ?? null;
  return null;
}

function outputRunId(e: TaskEventItem): string | null {
  if (e.type === "TOOL_OUTPUT" && e.details?.__typename === "ToolOutputDetails") return e.details.runId ?? null;
  return null;
}

/**
 * Folds each TOOL_OUTPUT into the TOOL_CALL with the same toolCallId that came before it (the
 * runtime's calls). A command run's news without a toolCallId (waiting, running, ended) folds
 * into the first line about the same runId. Anything else stays a line of its own. Order is kept
 * (by the line's first seq).
 */
export function foldToolCalls(events: readonly TaskEventItem[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const calls = new Map<string, TimelineEntry>();
  const runs = new Map<string, TimelineEntry>();
  for (const event of events) {
    const answers = outputCallId(event);
    const runId = outputRunId(event);
    const into = (answers ? calls.get(answers) : undefined) ?? (runId ? runs.get(runId) : undefined);
    if (into) {
      into.outputs.push(event);
      if (runId && !runs.has(runId)) runs.set(runId, into);
      continue;
    }
    const entry: TimelineEntry = { event, outputs: [] };
    const id = callId(event);
    if (id) calls.set(id, entry);
    if (runId) runs.set(runId, entry);
    entries.push(entry);
  }
  return entries;
}

/** The newest `limit` entries, and how many earlier ones were left out. */
export function newest<T>(items: readonly T[], limit: number): { shown: readonly T[]; hidden: number } {
  if (items.length <= limit) return { shown: items, hidden: 0 };
  return { shown: items.slice(items.length - limit), hidden: items.length - limit };
}
