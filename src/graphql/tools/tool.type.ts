import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import type { CommandRunStatus, Json, ToolCallStatus } from "../../domain/terms.js";
import { commandRunStatuses, toolCallStatuses } from "../../domain/terms.js";
import { connectionTypes } from "../common/connection.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ToolCallStatusEnum = asEnum(toolCallStatuses);
export const CommandRunStatusEnum = asEnum(commandRunStatuses);
export const OutputStreamEnum = asEnum(["STDOUT", "STDERR", "EXIT"] as const);
export const SandboxKindEnum = asEnum(["BWRAP", "NONE"] as const);

registerEnumType(ToolCallStatusEnum, {
  name: "ToolCallStatus",
  description: "DENIED: refused by a policy (POLICY_DENIED), nothing ran.",
});
registerEnumType(CommandRunStatusEnum, {
  name: "CommandRunStatus",
  description: "LIMIT_EXCEEDED names the limit in `limit`.",
});
registerEnumType(OutputStreamEnum, {
  name: "OutputStream",
  description: "EXIT: the final chunk, with the run's status.",
});
registerEnumType(SandboxKindEnum, {
  name: "SandboxKind",
  description: "BWRAP: bubblewrap isolation; NONE: the operator turned the sandbox off (SANDBOX=none).",
});

@ObjectType({
  simpleResolvers: true,
  description: "One call of a tool, by a person, an external agent or the runtime.",
})
export class ToolCall {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  tool!: string;

  @Field(() => ID, { nullable: true })
  taskId!: string | null;

  @Field(() => ID, { nullable: true })
  workspaceId!: string | null;

  @Field(() => String, { description: "The API key (or agent) that called." })
  callerName!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "The input, long strings shortened, env values left out." })
  input!: Json;

  @Field(() => ToolCallStatusEnum)
  status!: ToolCallStatus;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;
}

export const { Connection: ToolCallConnection } = connectionTypes("ToolCall", ToolCall);

@ObjectType({ simpleResolvers: true, description: "A command started in a workspace's sandbox." })
export class CommandRun {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  taskId!: string | null;

  @Field(() => ID)
  workspaceId!: string;

  @Field(() => String)
  program!: string;

  @Field(() => [String])
  args!: string[];

  @Field(() => CommandRunStatusEnum)
  status!: CommandRunStatus;

  @Field(() => Int, { nullable: true })
  exitCode!: number | null;

  @Field(() => String, { nullable: true })
  signal!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "For LIMIT_EXCEEDED and TIMED_OUT: wallTime, cpuSeconds, memory, processes, fileSize or output.",
  })
  limit!: string | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => Int, { nullable: true, description: "CPU time of the whole process tree." })
  cpuTimeMs!: number | null;

  @Field(() => Int, { nullable: true, description: "Peak resident memory of the largest process of the run." })
  maxRssKb!: number | null;

  @Field(() => Int)
  stdoutBytes!: number;

  @Field(() => Int)
  stderrBytes!: number;

  @Field(() => Boolean, { description: "Output went past the output limit and was cut." })
  truncated!: boolean;

  @Field(() => SandboxKindEnum)
  sandbox!: string;

  @Field(() => Int, { description: "Seq of the last stored output chunk: subscribe with afterSeq set to it." })
  lastOutputSeq!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: "What the command runs of a task used, summed." })
export class CommandUsage {
  @Field(() => Int) runs!: number;
  @Field(() => Int, { description: "CPU time of all runs' process trees." }) cpuTimeMs!: number;
  @Field(() => Int, { description: "The highest peak memory of any run." }) maxRssKb!: number;
  @Field(() => Int) durationMs!: number;
  @Field(() => Int) stdoutBytes!: number;
  @Field(() => Int) stderrBytes!: number;
}

@ObjectType({ simpleResolvers: true, description: "Output of a run, as produced (coalesced, at most 50 ms behind)." })
export class CommandOutputChunk {
  @Field(() => ID)
  runId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => OutputStreamEnum)
  stream!: string;

  @Field(() => String, { description: "UTF-8 text; for EXIT, a JSON object with status, exitCode and signal." })
  data!: string;

  @Field(() => Date)
  createdAt!: Date;
}
