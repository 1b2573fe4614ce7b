import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { UsageGroupBy, UsageReportRow as UsageReportRowShape, UsageSums } from "../../domain/usage/usage.store.js";
import type { AgentRecord, TaskRecord } from "../../domain/records.js";
import { Agent } from "../agent/agent.type.js";
import type { Context } from "../context.js";
import { Task } from "../task/task.type.js";
import { Usage, UsageGroupByEnum, UsageReportRow } from "./usage.type.js";

@Resolver(() => Task)
export class TaskUsageResolver {
  @Authorized("VIEWER")
  @FieldResolver(() => Usage, { description: "Tokens and cost of the task's model calls, summed." })
  usage(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<UsageSums> {
    return ctx.services.usage.ofTask(task.id);
  }
}

@Resolver(() => Agent)
export class AgentUsageResolver {
  @Authorized("VIEWER")
  @FieldResolver(() => Usage, { description: "Tokens and cost of the agent's model calls, summed." })
  usage(@Root() agent: AgentRecord, @Ctx() ctx: Context): Promise<UsageSums> {
    return ctx.services.usage.ofAgent(agent.id);
  }
}

@Resolver()
export class UsageReportResolver {
  @Authorized("OPERATOR")
  @Query(() => [UsageReportRow], {
    description: "Sums of the model calls made from `from` (inclusive) to `to` (exclusive), at most 366 days apart.",
  })
  usageReport(
    @Arg("from", () => Date, { description: "Start of the period (inclusive)." }) from: Date,
    @Arg("to", () => Date, { description: "End of the period (exclusive), after from and at most 366 days later." })
    to: Date,
    @Arg("groupBy", () => UsageGroupByEnum, { description: "What one row sums up." }) groupBy: UsageGroupBy,
    @Ctx() ctx: Context,
  ): Promise<UsageReportRowShape[]> {
    return ctx.services.usage.report(from, to, groupBy);
  }
}
