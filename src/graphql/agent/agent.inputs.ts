import { Field, ID, InputType, Int } from "type-graphql";
import type { AgentKind, AgentStatus } from "../../domain/model.js";
import { AgentKindEnum, AgentStatusEnum } from "../common/enums.js";

@InputType()
export class CreateAgentInput {
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

@InputType()
export class UpdateAgentInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Int, { nullable: true })
  minComplexity?: number | null;

  @Field(() => Int, { nullable: true })
  maxComplexity?: number | null;

  @Field(() => Int, { nullable: true })
  maxConcurrentTasks?: number | null;
}

@InputType()
export class AgentFilter {
  @Field(() => [AgentStatusEnum], { nullable: true })
  status?: AgentStatus[] | null;
}

@InputType()
export class AgentChangedFilter {
  @Field(() => ID, { nullable: true })
  agentId?: string | null;
}
