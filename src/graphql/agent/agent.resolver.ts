import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import type { AgentRecord, TaskRecord } from "../../domain/records.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { AgentChangedFilter, AgentFilter, CreateAgentInput, UpdateAgentInput } from "./agent.inputs.js";
import { Agent, AgentConnection } from "./agent.type.js";

@Resolver(() => Agent)
export class AgentResolver {
  @Authorized("VIEWER")
  @Query(() => Agent, { nullable: true, description: "An agent by id; null when there is none." })
  agent(@Arg("id", () => ID, { description: "The agent's id." }) id: string, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return ctx.loaders.agent.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => AgentConnection, { description: "The agents, newest first, a page at a time." })
  async agents(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("filter", () => AgentFilter, { nullable: true, description: "Only the agents that match; null: all." })
    filter?: AgentFilter,
  ): Promise<ConnectionShape<AgentRecord>> {
    return toConnection(await ctx.services.agents.list({ ...paging, filter }));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, {
    description: "Creates an agent; it is AVAILABLE at once and takes the pending tasks that fit it.",
  })
  createAgent(
    @Arg("input", () => CreateAgentInput, { description: "The new agent's name, range and settings." })
    input: CreateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.agents.create(input);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, {
    description:
      "Changes an agent's settings; a wider complexity range or more room lets it take pending tasks at once. Its current tasks stay with it.",
  })
  updateAgent(
    @Arg("id", () => ID, { description: "The agent to change." }) id: string,
    @Arg("input", () => UpdateAgentInput, { description: "The fields to change." }) input: UpdateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.agents.update(id, input);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, { description: "The agent takes no new tasks until resumed; its current ones carry on." })
  pauseAgent(
    @Arg("id", () => ID, { description: "An agent that is not PAUSED." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.assignment.pause(id);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Agent, { description: "A paused agent takes tasks again, starting with the pending ones that fit." })
  resumeAgent(
    @Arg("id", () => ID, { description: "A PAUSED agent." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
    return ctx.services.assignment.resume(id);
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Agent, {
    description:
      "An external agent's sign of life, due at least every AGENT_HEARTBEAT_TIMEOUT seconds; an OFFLINE agent comes back. Agent keys: their own agent only.",
  })
  agentHeartbeat(
    @Arg("id", () => ID, { description: "The agent that is alive (for an AGENT key, its own)." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<AgentRecord> {
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
    @Arg("filter", () => AgentChangedFilter, { nullable: true, description: "Which agents; null: every agent." })
    _filter?: AgentChangedFilter,
  ): AgentRecord {
    return agent;
  }

  @FieldResolver(() => Task, { nullable: true, description: "The task the agent is working on now." })
  currentTask(@Root() agent: AgentRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.currentTaskByAgent.load(agent.id);
  }
}
