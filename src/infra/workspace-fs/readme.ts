import { limits, type TaskStatus } from "../../domain/terms.js";

/** The phases a task works through, in order; the README checklist has one line per phase. */
export const workPhases = ["DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE"] as const;

/** Where a task can stop when it fails or is cancelled. */
export type StopPhase = "PENDING" | "DESIGN" | "BUILD" | "TEST" | "REVIEW";
const stopPhases: readonly string[] = ["PENDING", "DESIGN", "BUILD", "TEST", "REVIEW"];

export interface WorkspaceLayoutInput {
  agentId: string;
  taskId: string;
  title: string;
  description: string;
  status: TaskStatus;
  complexity: number;
  priority: number;
  agentName: string | null;
  /**
   * For FAILED and CANCELLED: the status the task had when it stopped (from the database), so the
   * checklist keeps what was done. Never read back from the README, which the workspace may fake.
   */
  stoppedIn?: StopPhase;
  /** Tasks delegated from this one (delegateTask), with their status now (from the database). */
  children?: Array<{ id: string; title: string; status: TaskStatus }>;
}

/** The README's input for a task (any object with a task row's fields) worked on by `agentId`. */
export function layoutOfTask(
  task: Pick<WorkspaceLayoutInput, "title" | "description" | "status" | "complexity" | "priority"> & {
    id: string;
    stoppedIn?: string | null;
  },
  agentId: string,
  agentName: string | null,
): WorkspaceLayoutInput {
  const stoppedIn = stopPhases.includes(task.stoppedIn ?? "") ? (task.stoppedIn as StopPhase) : undefined;
  return {
    ...(stoppedIn ? { stoppedIn } : {}),
    agentId,
    taskId: task.id,
    title: task.title,
    description: task.description,
    status: task.status,
    complexity: task.complexity,
    priority: task.priority,
    agentName,
  };
}

const labels: Record<(typeof workPhases)[number], string> = {
  DESIGN: "Design",
  BUILD: "Build",
  TEST: "Test",
  REVIEW: "Review",
  COMPLETE: "Complete",
};

/** First line of every README this module writes; it records the phase reached (not user text). */
const markerRe = /^<!-- agent-workspace phase=([A-Z]+) -->$/;
const marker = (phase: string) => `<!-- agent-workspace phase=${phase} -->`;

/** The phase recorded in the first line of an existing README, if it is one of ours. */
export function phaseFromReadme(text: string): StopPhase | undefined {
  const first = text.slice(0, 200).split("\n", 1)[0] ?? "";
  const m = markerRe.exec(first.trim());
  const phase = m?.[1];
  return phase !== undefined && stopPhases.includes(phase) ? (phase as StopPhase) : undefined;
}

// C0/C1 controls (except tab and newline, handled by the callers), DEL, Unicode line and
// paragraph separators, and bidirectional overrides that could make the text read differently.
const controlRe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const truncate = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s);

/**
 * User text for one line of Markdown: whitespace (newlines included) collapsed to single spaces,
 * control characters dropped, and the characters with a meaning inside a line of Markdown or HTML
 * escaped, so a title such as "# x\n\n## Progress" or "<!--" stays plain text on its own line.
 */
export function inlineText(s: string, max: number): string {
  const flat = s.replace(/[\t\n\r\u000b\u000c\u2028\u2029]+/g, " ").replace(controlRe, "");
  const oneLine = truncate(flat.replace(/\s+/g, " ").trim(), max);
  return oneLine.replace(/[\\`*_[\]<>#|~&]/g, (c) => `\\${c}`);
}

/**
 * User text as a block shown verbatim: a fenced code block whose fence is longer than any run of
 * backticks inside, so nothing in the text can close it early or be read as Markdown or HTML.
 */
export function fencedText(s: string, max: number): string {
  const text = truncate(
    s
      .replace(/\r\n?/g, "\n")
      .replace(/[\u2028\u2029]/g, "\n")
      .replace(controlRe, ""),
    max,
  ).replace(/\s+$/, "");
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${text}\n${fence}`;
}

type Mark = "done" | "active" | "stopped" | "todo";

function checklist(status: TaskStatus, stoppedIn: StopPhase): string[] {
  const stopped = status === "FAILED" || status === "CANCELLED";
  const current: TaskStatus = stopped ? stoppedIn : status;
  const reached = workPhases.indexOf(current as (typeof workPhases)[number]); // -1 for PENDING
  return workPhases.map((phase, i) => {
    let mark: Mark = "todo";
    if (status === "COMPLETE" || i < reached) mark = "done";
    else if (i === reached) mark = stopped ? "stopped" : "active";
    const label = labels[phase];
    if (mark === "done") return `- [x] ${label}`;
    if (mark === "active") return `- [ ] ${label} (in progress)`;
    if (mark === "stopped") return `- [ ] ${label} (${status === "FAILED" ? "failed" : "cancelled"} here)`;
    return `- [ ] ${label}`;
  });
}

function banner(status: TaskStatus, stoppedIn: StopPhase): string[] {
  if (status !== "FAILED" && status !== "CANCELLED") return [];
  const where = stoppedIn === "PENDING" ? "before work started" : `during ${labels[stoppedIn]}`;
  const what = status === "FAILED" ? "This task failed" : "This task was cancelled";
  return [`> **${status}**: ${what} ${where}. The checklist shows the steps finished before it stopped.`, ""];
}

/** The "Child tasks" section: each delegated task with its status (none: no section). */
function childLines(children: NonNullable<WorkspaceLayoutInput["children"]>): string[] {
  if (children.length === 0) return [];
  return [
    "## Child tasks",
    "",
    ...children.map(
      (c) => `- **${c.status}** ${inlineText(c.title, limits.titleLength) || "(untitled)"} (\`${c.id}\`)`,
    ),
    "",
  ];
}

/** The README.md of a task workspace. Pure: the same input gives the same bytes. */
export function renderReadme(input: WorkspaceLayoutInput, previousPhase?: StopPhase): string {
  const stoppedIn: StopPhase = input.stoppedIn ?? previousPhase ?? "PENDING";
  const stopped = input.status === "FAILED" || input.status === "CANCELLED";
  const phase = stopped ? stoppedIn : input.status;
  const title = inlineText(input.title, limits.titleLength) || "(untitled)";
  const agent = input.agentName === null ? "unassigned" : inlineText(input.agentName, limits.nameLength) || "unnamed";
  const description =
    input.description.trim() === "" ? "_No description._" : fencedText(input.description, limits.descriptionLength);
  const lines = [
    marker(phase),
    "",
    `# ${title}`,
    "",
    ...banner(input.status, stoppedIn),
    `- **Status:** ${input.status}`,
    `- **Agent:** ${agent}`,
    `- **Complexity:** ${input.complexity} / ${limits.complexity.max}`,
    `- **Priority:** ${input.priority}`,
    `- **Task id:** \`${input.taskId}\``,
    `- **Agent id:** \`${input.agentId}\``,
    "",
    "## Progress",
    "",
    ...checklist(input.status, stoppedIn),
    "",
    ...childLines(input.children ?? []),
    "## Description",
    "",
    description,
    "",
    "## Layout",
    "",
    "- `src/`: source code",
    "- `output/`: deliverables",
    "- `research/`: notes and collected material",
    "- `venv/`: Python virtual environment (`venv/bin/python`)",
    "",
  ];
  return lines.join("\n");
}
