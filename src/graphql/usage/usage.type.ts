import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { usageGroupBys } from "../../domain/usage/usage.store.js";

export const UsageGroupByEnum = Object.fromEntries(usageGroupBys.map((v) => [v, v])) as {
  [K in (typeof usageGroupBys)[number]]: K;
};
registerEnumType(UsageGroupByEnum, {
  name: "UsageGroupBy",
  description: "How usageReport groups model calls: by model, agent, task, or UTC day.",
});

@ObjectType({
  simpleResolvers: true,
  description:
    "Sums over model calls. Cached tokens are part of the prompt tokens, reasoning tokens part of the completion tokens.",
})
export class Usage {
  @Field(() => Int, { description: "Model calls, retries and failed attempts included." })
  calls!: number;

  @Field(() => Float)
  promptTokens!: number;

  @Field(() => Float)
  completionTokens!: number;

  @Field(() => Float)
  cachedTokens!: number;

  @Field(() => Float)
  reasoningTokens!: number;

  @Field(() => Float, { description: "promptTokens + completionTokens." })
  totalTokens!: number;

  @Field(() => Float, { description: "In USD, as reported by the providers." })
  costUsd!: number;
}

@ObjectType({ simpleResolvers: true, description: "One group of a usage report." })
export class UsageReportRow extends Usage {
  @Field(() => String, {
    nullable: true,
    description: "The model, agent id, task id or day (YYYY-MM-DD, UTC); null for calls made for no agent or task.",
  })
  key!: string | null;

  @Field(() => String, { nullable: true, description: "The agent's name or the task's title." })
  label!: string | null;
}
