import { GraphQLSafeInt } from "graphql-scalars";
import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { usageGroupBys } from "../../domain/usage/usage.store.js";

export const UsageGroupByEnum = Object.fromEntries(usageGroupBys.map((v) => [v, v])) as {
  [K in (typeof usageGroupBys)[number]]: K;
};
registerEnumType(UsageGroupByEnum, {
  name: "UsageGroupBy",
  description: "How usageReport groups model calls: by model, agent, task, or UTC day.",
  valuesConfig: {
    MODEL: { description: "One row per model id (key: the model)." },
    AGENT: { description: "One row per agent (key: its id, label: its name)." },
    TASK: { description: "One row per task (key: its id, label: its title)." },
    DAY: { description: "One row per UTC day (key: YYYY-MM-DD)." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "Sums over model calls. Cached tokens are part of the prompt tokens, reasoning tokens part of the completion tokens. Token counts are SafeInt: whole numbers that may pass 2^31.",
})
export class Usage {
  @Field(() => Int, { description: "Model calls, retries and failed attempts included." })
  calls!: number;

  @Field(() => GraphQLSafeInt, { description: "Tokens sent to the models, cached ones included." })
  promptTokens!: number;

  @Field(() => GraphQLSafeInt, { description: "Tokens the models wrote, reasoning ones included." })
  completionTokens!: number;

  @Field(() => GraphQLSafeInt, { description: "Prompt tokens the providers read from their cache." })
  cachedTokens!: number;

  @Field(() => GraphQLSafeInt, { description: "Completion tokens spent on reasoning." })
  reasoningTokens!: number;

  @Field(() => GraphQLSafeInt, { description: "The sum of promptTokens and completionTokens." })
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
