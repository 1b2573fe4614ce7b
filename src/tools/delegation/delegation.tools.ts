import { z } from "zod";
import { taskStatuses, type Role } from "../../domain/terms.js";
import { asId, dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../registry.js";

const roles: readonly Role[] = ["OPERATOR", "AGENT"];
const policy: ToolPolicy = { roles, sandbox: false, network: false };

const status = named("TaskStatus", z.enum(taskStatuses).describe("The task's status."));

const budgetInput = named(
  "DelegationBudgetInput",
  z
    .object({
      costUsd: z.number().positive().max(1_000_000).optional().describe("USD for the child's model calls."),
      tokens: z.number().int().positive().max(1_000_000_000).optional().describe("Tokens for the child's model calls."),
    })
    .describe(
      "The child's budget, carved out of what this task has left (required for each budget this task has); LIMIT_EXCEEDED says how much is left.",
    ),
);

const sharedInput = named(
  "SharedWorkspaceInput",
  z
    .object({
      subfolder: z
        .string()
        .max(1024)
        .optional()
        .describe("A folder of this task's workspace for the child (created if missing); absent: the whole workspace."),
    })
    .describe("The child works in this task's workspace instead of a new one."),
);

const delegateOutput = named(
  "DelegateTaskResult",
  z
    .object({
      taskId: asId(z.string()).describe("The child task: pass it to waitForTasks."),
      title: z.string().describe("The child's title."),
      status: status.describe("PENDING until an agent takes it, then DESIGN."),
      agentId: asId(z.string()).nullable().describe("The agent it went to; null while none fits."),
      maxCostUsd: z.number().nullable().describe("Its cost budget (USD); null for none."),
      maxTokens: z.number().int().nullable().describe("Its token budget; null for none."),
      sharedFolder: z
        .string()
        .nullable()
        .describe("The folder of this workspace it works in (empty: all of it); null: a workspace of its own."),
    })
    .describe("A child task made by delegateTask."),
);

export const delegateTask = defineTool({
  id: "delegateTask",
  description:
    "Hand a distinct part of this task to another agent as a child task (assigned by the usual rules, never to you). " +
    "Its budget is carved out of yours. With sharedWorkspace it works in your workspace (or a subfolder of it). " +
    "Then call waitForTasks with the child ids: your run pauses without holding a worker, and each child's outcome arrives as a message.",
  input: workspaceInput.extend({
    title: z.string().min(1).max(200).describe("The child's title."),
    description: z.string().max(20_000).default("").describe("What the child must do, and what to report back."),
    complexity: z.number().int().min(1).max(10).describe("1 (trivial) to 10 (hardest): picks an agent that fits."),
    budget: budgetInput.optional(),
    sharedWorkspace: sharedInput.optional(),
    agentHint: z.string().max(100).optional().describe("An agent (name or id) to try first, if it fits and has room."),
  }),
  output: delegateOutput,
  policy,
  async execute(ctx, input) {
    const child = await ctx.deps.delegation.delegate(
      ctx.workspace.taskId,
      {
        title: input.title,
        description: input.description,
        complexity: input.complexity,
        budget: input.budget ?? null,
        sharedWorkspace: input.sharedWorkspace ? { subfolder: input.sharedWorkspace.subfolder ?? "" } : null,
        agentHint: input.agentHint ?? null,
      },
      ctx.caller,
    );
    return {
      taskId: child.id,
      title: child.title,
      status: child.status,
      agentId: child.assignedAgentId,
      maxCostUsd: child.maxCostUsd,
      maxTokens: child.maxTokens,
      sharedFolder: child.sharedFolder,
    };
  },
});

const outcome = named(
  "ChildTaskOutcome",
  z
    .object({
      taskId: asId(z.string()).describe("The child task."),
      title: z.string().describe("Its title."),
      status: status.describe("How it ended: COMPLETE, FAILED or CANCELLED."),
      summary: z.string().nullable().describe("Its summary (COMPLETE) or the reason it stopped."),
      artifacts: z.array(z.string()).describe("Paths of the artifacts it recorded."),
    })
    .describe("How a child task ended."),
);

export const waitForTasks = defineTool({
  id: "waitForTasks",
  description:
    "Wait for child tasks made with delegateTask. If any is still at work, your run is parked (it ends now, holding no worker) " +
    "and resumes when all are finished or the timeout passes; each child's outcome (status, summary, artifacts) arrives as a message. " +
    "Children already finished are reported at once.",
  input: workspaceInput.extend({
    ids: z
      .array(asId(z.string().min(1).max(64)))
      .min(1)
      .max(1_000)
      .describe("The child tasks to wait for."),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .optional()
      .describe("Resume after this many seconds even if some are not finished (default 3600)."),
  }),
  output: named(
    "WaitForTasksResult",
    z
      .object({
        parked: z.boolean().describe("True: the run ends now and resumes later (outcomes arrive as messages)."),
        waitingFor: z.array(asId(z.string())).describe("The children still at work."),
        waitUntil: dateTime().nullable().describe("When the wait ends anyway; null when nothing is awaited."),
        finished: z.array(outcome).describe("The named children that had already finished."),
      })
      .describe("What waitForTasks did."),
  ),
  policy,
  async execute(ctx, input) {
    const r = await ctx.deps.delegation.waitFor(
      ctx.workspace.taskId,
      input.ids,
      input.timeoutSeconds ?? null,
      ctx.caller,
    );
    return { ...r, finished: r.finished.map(({ id, ...rest }) => ({ taskId: id, ...rest })) };
  },
});
