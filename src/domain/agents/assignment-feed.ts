import type { TaskRecord } from "../records.js";
import { assertMay } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { notFound } from "../errors.js";
import { isId } from "../ids.js";
import { Channel } from "../shared/channel.js";
import { MAX_BUFFERED, subscriberTooSlow } from "../shared/watch.js";
import type { Deps } from "../shared/deps.js";
import { activeStatuses } from "../tasks/task-state.js";
import type { TaskService } from "../tasks/task.service.js";
import type { WorkspaceService } from "../workspaces/workspace.service.js";
import type { AgentService } from "./agent.service.js";

/**
 * The work of one agent, for programs that drive an EXTERNAL agent over the API: every task
 * assigned to it whose workspace is READY, first those it holds now, then each new one as it
 * comes. A task taken away and given back is delivered again.
 */
export class AssignmentFeed {
  constructor(
    private readonly deps: Deps,
    private readonly services: { agents: AgentService; tasks: TaskService; workspaces: WorkspaceService },
  ) {}

  async stream(agentId: string | null | undefined, caller: Principal): Promise<Channel<TaskRecord>> {
    const { deps, services } = this;
    const id = caller.role === "AGENT" ? (agentId ?? caller.agentId) : agentId;
    if (!id) throw notFound("Agent", "", "agentId");
    assertMay(caller, "see", { kind: "agent", id });
    if (!isId(id) || !(await services.agents.get(id))) throw notFound("Agent", id, "agentId");

    const delivered = new Set<string>();
    let chain = Promise.resolve();
    const channel: Channel<TaskRecord> = new Channel<TaskRecord>(() => unsubscribe());
    const offer = async (task: TaskRecord | null, taskId: string) => {
      if (channel.isClosed) return;
      const mine = task !== null && task.assignedAgentId === id && activeStatuses.includes(task.status);
      if (!mine) {
        delivered.delete(taskId);
        return;
      }
      if (delivered.has(task.id)) return;
      const ws = (await services.workspaces.byTaskIds([task.id])).get(task.id);
      if (ws?.status !== "READY" || ws.agentId !== id) return;
      if (channel.size >= MAX_BUFFERED) {
        channel.fail(subscriberTooSlow());
        return;
      }
      delivered.add(task.id);
      channel.push(task);
    };
    const enqueue = (fn: () => Promise<void>) => {
      chain = chain.then(fn).catch((err: unknown) => channel.fail(err));
    };
    // Live first, then the tasks it holds now: nothing falls between the two.
    const unsubscribe = deps.pubsub.subscribe("TASK_CHANGED", ({ taskId }) =>
      enqueue(async () => offer(await services.tasks.get(taskId), taskId)),
    );
    enqueue(async () => {
      const held = await services.tasks.heldBy(id);
      for (const t of held) await offer(t, t.id);
    });
    return channel;
  }
}
