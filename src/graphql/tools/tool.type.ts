import { GraphQLJSON, GraphQLSafeInt } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import type { CommandRunStatus, Json, ToolCallStatus } from "../../domain/terms.js";
import { commandRunStatuses, toolCallStatuses } from "../../domain/terms.js";
import { toolCallErrorCodes, type ToolCallErrorCode } from "../../domain/errors.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ToolCallStatusEnum = asEnum(toolCallStatuses);
export const CommandRunStatusEnum = asEnum(commandRunStatuses);
export const OutputStreamEnum = asEnum(["STDOUT", "STDERR", "EXIT"] as const);
export const SandboxKindEnum = asEnum(["BWRAP", "NONE"] as const);
export const ToolCallErrorCodeEnum = asEnum(toolCallErrorCodes);

registerEnumType(ToolCallStatusEnum, {
  name: "ToolCallStatus",
  description: "DENIED: refused by a policy (POLICY_DENIED), nothing ran.",
  valuesConfig: {
    RUNNING: { description: "Called and not finished yet." },
    SUCCEEDED: {
      description: "It returned its result (for runCommand: the run started; the run's own status tells how it ended).",
    },
    FAILED: { description: "It ended with an error: errorCode and errorMessage say which." },
    DENIED: { description: "A policy refused it (POLICY_DENIED) before anything ran." },
  },
});
registerEnumType(CommandRunStatusEnum, {
  name: "CommandRunStatus",
  description: "LIMIT_EXCEEDED names the limit in `limit`.",
  valuesConfig: {
    RUNNING: {
      description: "Not ended yet (it may still wait for a free slot of its workspace). The only non-final status.",
    },
    SUCCEEDED: { description: "The program exited with code 0." },
    FAILED: {
      description:
        "It exited with another code or was killed by a signal, the sandbox could not start it, or the service stopped while it ran.",
    },
    TIMED_OUT: { description: "It ran past its wall-time limit (timeoutMs) and was killed." },
    CANCELLED: {
      description: "Stopped by cancelCommand or by the cancelling of its task, or cancelled before it started.",
    },
    LIMIT_EXCEEDED: {
      description: "Stopped at a limit: CPU time, memory, processes, file size, output or disk (see `limit`).",
    },
  },
});
registerEnumType(OutputStreamEnum, {
  name: "OutputStream",
  description: "EXIT: the final chunk, with the run's status.",
  valuesConfig: {
    STDOUT: { description: "What the program wrote to its standard output." },
    STDERR: { description: "What the program wrote to its standard error." },
    EXIT: {
      description: "The last chunk of every run: data is a JSON object with status, exitCode and signal.",
    },
  },
});
/** What each code means for a tool call; every code the tool service or a worker records is here. */
const toolCallErrorMeanings: Record<ToolCallErrorCode, string> = {
  BAD_USER_INPUT: "The input was invalid (the call's error lists every bad field).",
  NOT_FOUND: "Something it named does not exist (a path, a run).",
  CONFLICT: "The state did not allow it (a file changed since expectedVersion, a path that exists).",
  INVALID_TRANSITION: "It would have moved the task where the state machine does not allow.",
  UNAUTHENTICATED: "No valid API key.",
  FORBIDDEN: "The caller may not do this.",
  POLICY_DENIED: "A policy refused it (status DENIED); nothing ran.",
  LIMIT_EXCEEDED: "A limit was reached (size, disk, a command's limits).",
  SANDBOX_UNAVAILABLE: "Untrusted code cannot run here: no working sandbox.",
  FETCH_FAILED:
    "The network did not give what was asked (unreachable host, TLS, an HTTP error, content of the wrong type).",
  RATE_LIMITED: "Over a rate limit after the longest allowed wait; retryAfterSeconds says when to try again.",
  SEARCH_THROTTLED: "The search engine refused to answer for now; retryAfterSeconds says when it is asked again.",
  SEARCH_PARSE_FAILED: "The search engine's page had an unexpected structure (a changed layout).",
  NOT_CONFIGURED: "A setting it needs is missing (GitHub credentials, the secrets key); `setting` names it.",
  SECRET_UNREADABLE: "A secret it needed could not be decrypted (altered, or its master key is not configured).",
  INSUFFICIENT_SCOPES: "GitHub refused: the token lacks a scope or permission the operation needs.",
  GITHUB_FAILED: "GitHub answered with another error (its type and message are kept).",
  GIT_FAILED: "A git command failed (exit code and stderr, credentials removed).",
  WORKSPACE_REMOVED: "The workspace's files were removed by WORKSPACE_RETENTION_DAYS; only its record is left.",
  WORKSPACE_UNAVAILABLE: "The process holding the workspace did not answer in time; try again later.",
  WORKSPACE_LOST: "The workspace's holder is gone (status LOST): its files are out of reach.",
  INTERNAL: "An unexpected failure; its details are in the server log only.",
  INTERRUPTED: "The worker running it stopped before it ended.",
};

registerEnumType(ToolCallErrorCodeEnum, {
  name: "ToolCallErrorCode",
  description:
    "Why a tool call failed: the code of the API error it failed with (see the error codes), INTERNAL for any other failure, INTERRUPTED when its worker stopped.",
  valuesConfig: Object.fromEntries(
    toolCallErrorCodes.map((code) => [code, { description: toolCallErrorMeanings[code] }]),
  ),
});
registerEnumType(SandboxKindEnum, {
  name: "SandboxKind",
  description: "BWRAP: bubblewrap isolation; NONE: the operator turned the sandbox off (SANDBOX=none).",
  valuesConfig: {
    BWRAP: {
      description: "Isolated by bubblewrap: read-only system, the workspace the only writable path, no network.",
    },
    NONE: { description: "Not isolated: the operator set SANDBOX=none." },
  },
});

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "One call of a tool, by a person, an external agent or the runtime.",
})
export class ToolCall {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, {
    description: "The tool's id, which is also its operation's name in this API (e.g. writeFile).",
  })
  tool!: string;

  @Field(() => ID, { nullable: true, description: "The task whose workspace the call worked in." })
  taskId!: string | null;

  @Field(() => ID, { nullable: true, description: "The workspace the call worked in." })
  workspaceId!: string | null;

  @Field(() => String, { description: "The API key (or agent) that called." })
  callerName!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "The input, long strings shortened, env values left out." })
  input!: Json;

  @Field(() => ToolCallStatusEnum, { description: "RUNNING until it ends, then how it ended." })
  status!: ToolCallStatus;

  @Field(() => ToolCallErrorCodeEnum, { nullable: true, description: "How a FAILED or DENIED call failed." })
  errorCode!: ToolCallErrorCode | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The error\'s message for people ("internal error" for an unexpected one); null unless FAILED or DENIED.',
  })
  errorMessage!: string | null;

  @Field(() => Date, { description: "When the call started." })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it ended; null while RUNNING." })
  finishedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "Milliseconds from start to end; null while RUNNING." })
  durationMs!: number | null;
}

export const { Connection: ToolCallConnection } = connectionTypes("ToolCall", ToolCall);

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "A command started in a workspace's sandbox.",
})
export class CommandRun {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { nullable: true, description: "The task whose workspace it ran in." })
  taskId!: string | null;

  @Field(() => ID, { description: "The workspace it ran in: its only writable directory." })
  workspaceId!: string;

  @Field(() => String, {
    description: "The program started: a name from the allowlist (a path for runPython's and installPackages' runs).",
  })
  program!: string;

  @Field(() => [String], { description: "Its arguments, passed as they are (no shell)." })
  args!: string[];

  @Field(() => CommandRunStatusEnum, { description: "RUNNING until it ends, then how it ended." })
  status!: CommandRunStatus;

  @Field(() => Int, {
    nullable: true,
    description: "The program's exit code; null while RUNNING, when a signal killed it, or when it never started.",
  })
  exitCode!: number | null;

  @Field(() => String, { nullable: true, description: "The signal that killed it (e.g. SIGKILL); null otherwise." })
  signal!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "For LIMIT_EXCEEDED and TIMED_OUT: wallTime, cpuSeconds, memory, processes, fileSize, output or disk; null otherwise.",
  })
  limit!: string | null;

  @Field(() => Int, { nullable: true, description: "Wall time in milliseconds; null while RUNNING." })
  durationMs!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "CPU time (user + system) of the whole process tree in milliseconds; null while RUNNING or not measured.",
  })
  cpuTimeMs!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Peak resident memory in KiB: the processes' sum (sampled), or the largest process's if higher; null while RUNNING or not measured.",
  })
  maxRssKb!: number | null;

  @Field(() => Int, { description: "Bytes the program wrote to standard output; 0 until it ends." })
  stdoutBytes!: number;

  @Field(() => Int, { description: "Bytes the program wrote to standard error; 0 until it ends." })
  stderrBytes!: number;

  @Field(() => Boolean, { description: "Output went past the output limit and was cut." })
  truncated!: boolean;

  @Field(() => SandboxKindEnum, { description: "How it was isolated." })
  sandbox!: string;

  @Field(() => Int, { description: "Seq of the last stored output chunk: subscribe with afterSeq set to it." })
  lastOutputSeq!: number;

  @Field(() => Date, { description: "When the run was asked for (it may wait for a free slot before it starts)." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it ended; null while RUNNING." })
  finishedAt!: Date | null;
}

@ObjectType({
  simpleResolvers: true,
  description: "What the command runs of a task used, summed. Sums are SafeInt: whole numbers that may pass 2^31.",
})
export class CommandUsage {
  @Field(() => Int, { description: "Number of command runs of the task." }) runs!: number;
  @Field(() => GraphQLSafeInt, { description: "CPU time of all runs' process trees, in milliseconds." })
  cpuTimeMs!: number;
  @Field(() => Int, { description: "The highest peak memory of any run, in KiB." }) maxRssKb!: number;
  @Field(() => GraphQLSafeInt, { description: "Wall time of all runs, in milliseconds." }) durationMs!: number;
  @Field(() => GraphQLSafeInt, { description: "Bytes all runs wrote to standard output." }) stdoutBytes!: number;
  @Field(() => GraphQLSafeInt, { description: "Bytes all runs wrote to standard error." }) stderrBytes!: number;
}

@ObjectType({ simpleResolvers: true, description: "Output of a run, as produced (coalesced, at most 50 ms behind)." })
export class CommandOutputChunk {
  @Field(() => ID, { description: "The run it belongs to." })
  runId!: string;

  @Field(() => Int, { description: "1, 2, 3 … per run; pass the last one seen as afterSeq to resume after it." })
  seq!: number;

  @Field(() => OutputStreamEnum, { description: "Where the data came from, or EXIT for the run's end." })
  stream!: string;

  @Field(() => String, { description: "UTF-8 text; for EXIT, a JSON object with status, exitCode and signal." })
  data!: string;

  @Field(() => Date, { description: "When the chunk was stored." })
  createdAt!: Date;
}
