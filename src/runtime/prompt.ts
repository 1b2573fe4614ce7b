import type { ChatMessage } from "../infra/models/model-client.js";
import type { AgentRecord, TaskRecord } from "../domain/records.js";
import type { ConversationMessage } from "../domain/runs/run.store.js";

const README_MAX = 6_000;

const phaseGuide: Record<string, string> = {
  DESIGN: "Plan the work: read what is there, decide the approach, write design notes (e.g. research/design.md).",
  BUILD: "Do the work: write the code or documents in src/ and output/.",
  TEST: "Check the work: run it (runCommand, runPython), fix what fails (go back to BUILD if needed).",
  REVIEW:
    "Check the result against the task; then call complete_task with a summary, or set_phase BUILD to fix something.",
};

/** The system message: the agent's role, the task, its phase, the workspace README, the rules. */
export function systemPrompt(agent: AgentRecord, task: TaskRecord, readme: string | null): string {
  const lines = [
    `You are ${agent.name}, an autonomous agent. You work on one task, alone, in its own workspace, using the tools you are given.`,
  ];
  if (agent.instructions) lines.push("", agent.instructions);
  lines.push(
    "",
    `# Task: ${task.title}`,
    task.description ? task.description : "(no description)",
    "",
    `Complexity ${task.complexity}/10, priority ${task.priority}.`,
    `Current phase: ${task.status}. ${phaseGuide[task.status] ?? ""}`,
    "",
    "# How to work",
    "- The phases are DESIGN → BUILD → TEST → REVIEW → COMPLETE. Move on with set_phase when a phase is done; finish from REVIEW with complete_task(summary). If the task cannot be done, call fail_task(reason).",
    "- Paths are relative to the workspace root (src/, output/, research/, README.md). Commands run in a sandbox without network, one program with its arguments, no shell.",
    "- Every answer should call at least one tool. Do not repeat a call that gave the same result before: change something.",
  );
  if (task.sharedFolder !== null && task.sharedFolder !== undefined) {
    lines.push(
      task.sharedFolder === ""
        ? "- This task was delegated to you: you share the workspace of the task above it (another agent may write there too). Its README is that task's."
        : `- This task was delegated to you: you share the workspace of the task above it. Work in its folder ${task.sharedFolder}/ (paths stay relative to the workspace root); other agents write elsewhere in it.`,
    );
  }
  if (readme) {
    lines.push(
      "",
      "# The workspace README.md",
      readme.length > README_MAX ? `${readme.slice(0, README_MAX)}\n…` : readme,
    );
  }
  return lines.join("\n");
}

/** The conversation in the chat-completions wire format, after the system message. */
export function wireMessages(system: string, messages: readonly ConversationMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [{ role: "system", content: system }];
  for (const m of messages) {
    switch (m.role) {
      case "user":
        out.push({ role: "user", content: m.content });
        break;
      case "assistant":
        out.push(
          m.toolCalls.length > 0
            ? {
                role: "assistant",
                content: m.content,
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: "function" as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : { role: "assistant", content: m.content ?? "" },
        );
        break;
      case "tool":
        out.push({ role: "tool", tool_call_id: m.toolCallId, content: m.content });
        break;
    }
  }
  return out;
}

/** The tool calls of the last assistant message that have no result yet (a run cut off mid-step). */
export function unansweredCalls(messages: readonly ConversationMessage[]) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "assistant") continue;
    const answered = new Set(
      messages
        .slice(i + 1)
        .filter((x): x is Extract<ConversationMessage, { role: "tool" }> => x.role === "tool")
        .map((x) => x.toolCallId),
    );
    return m.toolCalls.filter((c) => !answered.has(c.id));
  }
  return [];
}
