import { Field, ID, InputType, Int } from "type-graphql";
import type { AgentKind, AgentStatus } from "../../domain/terms.js";
import { AgentKindEnum, AgentStatusEnum } from "../common/enums.js";

/** The runtime settings both inputs carry. */
@InputType()
class AgentRuntimeSettingsInput {
  @Field(() => String, {
    nullable: true,
    description: "Default model id or comma-separated fallback list (builtin agents).",
  })
  model?: string | null;

  @Field(() => String, { nullable: true, description: "The agent's role, up to 20,000 characters." })
  instructions?: string | null;

  @Field(() => [String], { nullable: true, description: "Tool ids its runtime may use (default: all)." })
  tools?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "Its tasks wait in REVIEW for approveTask. Default false." })
  requiresApproval?: boolean | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Addresses (a@b.example) and @domains its sendEmail may write to, replacing EMAIL_ALLOWED_RECIPIENTS for this agent (at most 100; [] allows none).",
  })
  emailRecipients?: string[] | null;
}

@InputType({ description: "A new agent: only name is required. It is AVAILABLE at once." })
export class CreateAgentInput extends AgentRuntimeSettingsInput {
  @Field(() => String, { description: "Unique, 1 to 100 characters." })
  name!: string;

  @Field(() => Int, { nullable: true, description: "Lowest task complexity (1-10) this agent takes. Default 1." })
  minComplexity?: number | null;

  @Field(() => Int, { nullable: true, description: "Highest task complexity (1-10) this agent takes. Default 10." })
  maxComplexity?: number | null;

  @Field(() => Int, { nullable: true, description: "Tasks it works on at once, 1 to 100. Default 1." })
  maxConcurrentTasks?: number | null;

  @Field(() => AgentKindEnum, { nullable: true, description: "Default EXTERNAL." })
  kind?: AgentKind | null;
}

@InputType({ description: "Fields to change; those left out (or null) keep their values." })
export class UpdateAgentInput extends AgentRuntimeSettingsInput {
  @Field(() => String, { nullable: true, description: "New unique name, 1 to 100 characters." })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: "New lowest task complexity, 1 to 10 (at most maxComplexity)." })
  minComplexity?: number | null;

  @Field(() => Int, { nullable: true, description: "New highest task complexity, 1 to 10." })
  maxComplexity?: number | null;

  @Field(() => Int, { nullable: true, description: "New number of tasks it works on at once, 1 to 100." })
  maxConcurrentTasks?: number | null;
  @Field(() => Boolean, { nullable: true, description: "Remove the agent's model." })
  clearModel?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Let the agent use every tool again." })
  clearTools?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Let its sendEmail use EMAIL_ALLOWED_RECIPIENTS again." })
  clearEmailRecipients?: boolean | null;
}

@InputType({ description: "Which agents to list." })
export class AgentFilter {
  @Field(() => [AgentStatusEnum], {
    nullable: true,
    description: "Only agents in one of these statuses; null or empty: any status.",
  })
  status?: AgentStatus[] | null;
}

@InputType({ description: "Which agents' changes to receive." })
export class AgentChangedFilter {
  @Field(() => ID, { nullable: true, description: "Only this agent's changes; null: every agent's." })
  agentId?: string | null;
}
