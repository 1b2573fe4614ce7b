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
import type { AgentRecord, TaskRecord } from "../../domain/records.js";
import { toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { AgentChangedFilter, AgentFilter, CreateAgentInput, UpdateAgentInput } from "./agent.inputs.js";
import { Agent, AgentConnection } from "./agent.type.js";

@Resolver(() => Agent)
export class AgentResolver {
  @Authorized("VIEWER")
  @Query(() => Agent, { nullable: true })
  agent(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return ctx.loaders.agent.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => AgentConnection)
  async agents(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, defaultValue: 20, description: "0 to 100." }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
    @Arg("filter", () => AgentFilter, { nullable: true }) filter?: AgentFilter,
  ): Promise<ConnectionShape<AgentRecord>> {
    return toConnection(await ctx.services.agents.list({ first, after, filter }));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent)
  createAgent(
    @Arg("input", () => CreateAgentInput) input: CreateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.agents.create(input);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent)
  updateAgent(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateAgentInput) input: UpdateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.agents.update(id, input);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, { description: "The agent takes no new tasks until resumed; its current ones carry on." })
  pauseAgent(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<AgentRecord> {
    return ctx.services.assignment.pause(id);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, { description: "A paused agent takes tasks again, starting with the pending ones that fit." })
  resumeAgent(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<AgentRecord> {
    return ctx.services.assignment.resume(id);
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Agent, {
    description:
      "An external agent's sign of life, due at least every AGENT_HEARTBEAT_TIMEOUT seconds; an OFFLINE agent comes back. Agent keys: their own agent only.",
  })
  agentHeartbeat(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<AgentRecord> {
    return ctx.services.assignment.heartbeat(id, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Subscription(() => Agent, {
    description: "Every change of an agent (or of the one named in the filter), as it happens.",
    subscribe: ({ args, context }) =>
      (context as Context).services.agents.watch((args.filter as AgentChangedFilter | undefined)?.agentId),
  })
  agentChanged(
    @Root() agent: AgentRecord,
    @Arg("filter", () => AgentChangedFilter, { nullable: true }) _filter?: AgentChangedFilter,
  ): AgentRecord {
    return agent;
  }

  @FieldResolver(() => Task, { nullable: true, description: "The task the agent is working on now." })
  currentTask(@Root() agent: AgentRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.currentTaskByAgent.load(agent.id);
  }
}
