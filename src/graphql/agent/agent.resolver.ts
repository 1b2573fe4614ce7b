import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import type { AgentEntity, TaskEntity } from "../../infra/db/entities.js";
import { toConnection, type ConnectionShape } from "../common/connection.js";
import type { Context } from "../context.js";
import { Task } from "../task/task.type.js";
import { AgentChangedFilter, AgentFilter, CreateAgentInput, UpdateAgentInput } from "./agent.inputs.js";
import { Agent, AgentConnection } from "./agent.type.js";

@Resolver(() => Agent)
export class AgentResolver {
  @Authorized("VIEWER")
  @Query(() => Agent, { nullable: true })
  agent(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<AgentEntity | null> {
    return ctx.loaders.agent.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => AgentConnection)
  async agents(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, defaultValue: 20, description: "0 to 100." }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
    @Arg("filter", () => AgentFilter, { nullable: true }) filter?: AgentFilter,
  ): Promise<ConnectionShape<AgentEntity>> {
    return toConnection(await ctx.services.agents.list({ first, after, filter }));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent)
  createAgent(
    @Arg("input", () => CreateAgentInput) input: CreateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentEntity> {
    return ctx.services.agents.create(input);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent)
  updateAgent(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateAgentInput) input: UpdateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentEntity> {
    return ctx.services.agents.update(id, input);
  }

  @Authorized("VIEWER")
  @Subscription(() => Agent, {
    description: "Every change of an agent (or of the one named in the filter), as it happens.",
    subscribe: ({ args, context }) =>
      (context as Context).services.agents.watch((args.filter as AgentChangedFilter | undefined)?.agentId),
  })
  agentChanged(
    @Root() agent: AgentEntity,
    @Arg("filter", () => AgentChangedFilter, { nullable: true }) _filter?: AgentChangedFilter,
  ): AgentEntity {
    return agent;
  }

  @FieldResolver(() => Task, { nullable: true, description: "The task the agent is working on now." })
  currentTask(@Root() agent: AgentEntity, @Ctx() ctx: Context): Promise<TaskEntity | null> {
    return ctx.loaders.currentTaskByAgent.load(agent.id);
  }
}
