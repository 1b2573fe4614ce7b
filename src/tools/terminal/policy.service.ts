import type { Json } from "../../domain/terms.js";
import { notFound } from "../../domain/errors.js";
import { isId } from "../../domain/ids.js";
import type { Deps } from "../../domain/shared/deps.js";
import type { ToolPolicyStore } from "../../domain/tools/tool-policy.store.js";
import { checkCommand, mergePolicy, type CommandPolicy } from "../../infra/sandbox/command-policy.js";

/**
 * The command policy in force for a workspace: the policy file, then the agent's override, then
 * the task's (config/tool-policy.json documents the override shape: allow, remove, deny, undeny).
 */
export class ToolPolicyService {
  constructor(
    private readonly deps: Deps,
    private readonly store: ToolPolicyStore,
    private readonly base: CommandPolicy,
  ) {}

  /** Throws POLICY_DENIED naming the rule when the program or one of its arguments is refused. */
  async check(program: string, args: readonly string[], scope: { taskId: string; agentId: string }): Promise<void> {
    const overrides = (await this.store.overrides(scope.agentId, scope.taskId)).filter((o) => o !== null);
    checkCommand(overrides.length > 0 ? mergePolicy(this.base, ...overrides) : this.base, program, args);
  }

  /** Sets (or with null clears) an agent's or a task's override; a malformed one is BAD_USER_INPUT. */
  async set(kind: "agent" | "task", id: string, policy: Json): Promise<void> {
    if (policy !== null) mergePolicy(this.base, policy);
    await this.deps.transact(async (tx, out) => {
      if (!isId(id) || !(await this.store.set(tx, kind, id, policy)))
        throw notFound(kind === "agent" ? "Agent" : "Task", id, "id");
      out.push(
        kind === "agent"
          ? { topic: "AGENT_CHANGED", payload: { agentId: id } }
          : { topic: "TASK_CHANGED", payload: { taskId: id } },
      );
    });
  }
}
