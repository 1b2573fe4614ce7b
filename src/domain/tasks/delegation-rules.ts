import { posix } from "node:path";
import { badInput } from "../errors.js";
import type { TaskRecord } from "../records.js";
import type { TaskStatus } from "../terms.js";
import { terminalStatuses } from "./task-state.js";

/** What a parent hears of a finished child. */
export interface ChildOutcome {
  id: string;
  title: string;
  status: TaskStatus;
  summary: string | null;
  /** Paths of the artifacts the child recorded (reports, …). */
  artifacts: string[];
  /** The share of its budget the child did not spend, given back to the parent when it ended. */
  returned?: { costUsd: number; tokens: number } | null;
}

/** The message a parent's conversation gets when a child finishes. */
export function outcomeText(o: ChildOutcome): string {
  const lines = [`Child task "${o.title}" (${o.id}) ended ${o.status}.`];
  if (o.summary) lines.push(`${o.status === "COMPLETE" ? "Summary" : "Reason"}: ${o.summary}`);
  if (o.artifacts.length > 0) lines.push(`Artifacts: ${o.artifacts.join(", ")}`);
  if (o.returned) {
    const parts = [
      o.returned.costUsd > 0 ? `$${o.returned.costUsd.toFixed(4)}` : null,
      o.returned.tokens > 0 ? `${o.returned.tokens} tokens` : null,
    ].filter((p) => p !== null);
    lines.push(`Its unspent budget (${parts.join(" and ")}) is back in yours.`);
  }
  if (o.status !== "COMPLETE") lines.push("Decide what to do: retry it (delegate again), do it yourself, or fail.");
  return lines.join("\n");
}

/** Lower case letters and digits, words split by single spaces. */
export function normalizedWork(title: string, description: string): string {
  return `${title} ${description}`
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** How close two word lists are: 1 for the same set of words (Jaccard similarity). */
function similarity(a: string, b: string): number {
  const wa = new Set(a.split(" ").filter(Boolean));
  const wb = new Set(b.split(" ").filter(Boolean));
  if (wa.size === 0 || wb.size === 0) return a === b ? 1 : 0;
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / (wa.size + wb.size - shared);
}

/** At this similarity of normalized title and description, a child repeats a task of its ancestry. */
export const REPEAT_SIMILARITY = 0.85;

/** Whether `child` is the work of `ancestor` handed on again (the same or nearly the same words). */
export function isRepeatOf(
  child: Pick<TaskRecord, "title" | "description">,
  ancestor: Pick<TaskRecord, "title" | "description">,
): boolean {
  const a = normalizedWork(child.title, child.description);
  const b = normalizedWork(ancestor.title, ancestor.description);
  return a === b || similarity(a, b) >= REPEAT_SIMILARITY;
}

/** How far a phase is through the work, in percent. */
const phasePercent: Record<TaskStatus, number> = {
  PENDING: 0,
  DESIGN: 10,
  BUILD: 35,
  TEST: 65,
  REVIEW: 85,
  COMPLETE: 100,
  FAILED: 100,
  CANCELLED: 100,
};

export interface TaskProgress {
  percent: number;
  phase: TaskStatus;
  childrenDone: number;
  childrenTotal: number;
}

/**
 * A task's progress: its phase's share of the work, and with children half of it theirs (each
 * finished child counts as done, whatever its outcome). A finished task is at 100.
 */
export function progressOf(
  task: Pick<TaskRecord, "status">,
  children: readonly Pick<TaskRecord, "status">[],
): TaskProgress {
  const childrenTotal = children.length;
  const childrenDone = children.filter((c) => terminalStatuses.includes(c.status)).length;
  const own = phasePercent[task.status];
  const percent =
    childrenTotal === 0 || terminalStatuses.includes(task.status)
      ? own
      : Math.round(own / 2 + (50 * childrenDone) / childrenTotal);
  return { percent, phase: task.status, childrenDone, childrenTotal };
}

/** One task of a delegation tree with its children, down to the depth asked. */
export interface TaskTreeNode {
  task: TaskRecord;
  progress: TaskProgress;
  children: TaskTreeNode[];
}

/**
 * The tree under `rootId` from its rows (any order), at most `maxDepth` levels below the root;
 * progress counts every child, shown or not. `keep` drops a task (and what is under it).
 */
export function buildTree(
  rows: readonly TaskRecord[],
  rootId: string,
  maxDepth: number,
  keep: (t: TaskRecord) => boolean = () => true,
): TaskTreeNode | null {
  const byParent = new Map<string, TaskRecord[]>();
  for (const t of rows) {
    if (!t.parentId) continue;
    const list = byParent.get(t.parentId) ?? [];
    list.push(t);
    byParent.set(t.parentId, list);
  }
  const node = (task: TaskRecord, level: number): TaskTreeNode => {
    const children = byParent.get(task.id) ?? [];
    return {
      task,
      progress: progressOf(task, children),
      children: level >= maxDepth ? [] : children.filter(keep).map((c) => node(c, level + 1)),
    };
  };
  const root = rows.find((t) => t.id === rootId);
  return root && keep(root) ? node(root, 0) : null;
}

/** The tasks under `taskId` in a tree's rows, children before their own children. */
export function descendantsOf(tree: readonly TaskRecord[], taskId: string): TaskRecord[] {
  const below: TaskRecord[] = [];
  const parents = new Set([taskId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const t of tree) {
      if (t.parentId && parents.has(t.parentId) && !parents.has(t.id)) {
        parents.add(t.id);
        below.push(t);
        grew = true;
      }
    }
  }
  return below;
}

/** The folder a child shares: null (its own workspace), "" (the parent's whole), or a relative path. */
export function sharedFolderOf(shared: boolean | { subfolder: string } | null | undefined): string | null {
  if (shared === null || shared === undefined || shared === false) return null;
  if (shared === true) return "";
  const raw = shared.subfolder;
  if (typeof raw !== "string" || raw.length > 1024 || raw.includes("\0") || raw.includes("\\")) {
    throw badInput("sharedWorkspace.subfolder", "must be a relative folder path of at most 1024 characters");
  }
  const clean = posix.normalize(raw.trim()).replace(/\/+$/, "");
  if (posix.isAbsolute(clean) || clean === ".." || clean.startsWith("../")) {
    throw badInput("sharedWorkspace.subfolder", "must stay inside the workspace (a relative path without ..)");
  }
  return clean === "." ? "" : clean;
}
