import type { Principal } from "../domain/auth/principal.js";
import { DomainError } from "../domain/errors.js";
import type { TaskStatus } from "../domain/terms.js";
import type { TaskService } from "../domain/tasks/task.service.js";
import type { AgentRuntime, RunContext } from "./runtime.js";

const next: Partial<Record<TaskStatus, TaskStatus>> = {
  DESIGN: "BUILD",
  BUILD: "TEST",
  TEST: "REVIEW",
  REVIEW: "COMPLETE",
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * A deterministic runtime: for each phase it writes a PROGRESS event, waits `stepMs`, and
 * moves the task on, until COMPLETE. It exercises everything around a run (queue, leases,
 * takeover, events, agent release) without a model, for demos, tests and benchmarks
 * (AGENT_RUNTIME=scripted). It resumes from the task's current phase, so a run taken over
 * from a dead worker continues instead of starting again.
 */
export class ScriptedRuntime implements AgentRuntime {
  readonly name = "scripted";

  constructor(
    private readonly tasks: TaskService,
    private readonly stepMs: number,
  ) {}

  async run(ctx: RunContext): Promise<void> {
    const actor: Principal = { apiKeyId: "", name: ctx.agentName, role: "AGENT", agentId: ctx.agentId };
    for (let step = 0; step < 100; step++) {
      if (ctx.signal.aborted) return;
      const task = await this.tasks.get(ctx.taskId);
      if (!task || task.assignedAgentId !== ctx.agentId) return; // reassigned, requeued or gone
      const to = next[task.status];
      if (!to) return; // finished, failed or cancelled
      await this.tasks.addEvent(
        ctx.taskId,
        { type: "PROGRESS", content: `Working on ${task.status.toLowerCase()}`, data: { phase: task.status } },
        actor,
      );
      await sleep(this.stepMs, ctx.signal);
      if (ctx.signal.aborted) return;
      try {
        await this.tasks.updateStatus(ctx.taskId, to, null, actor);
      } catch (err) {
        // Someone else moved the task meanwhile (an operator, a takeover): re-read and go on.
        if (err instanceof DomainError && (err.code === "INVALID_TRANSITION" || err.code === "FORBIDDEN")) continue;
        throw err;
      }
    }
  }
}
