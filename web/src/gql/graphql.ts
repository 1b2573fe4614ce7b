/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** LIMIT_EXCEEDED names the limit in `limit`. */
export type CommandRunStatus =
  /** Stopped by cancelCommand or by the cancelling of its task, or cancelled before it started. */
  | 'CANCELLED'
  /** It exited with another code or was killed by a signal, the sandbox could not start it, or the service stopped while it ran. */
  | 'FAILED'
  /** Stopped at a limit: CPU time, memory, processes, file size, output or disk (see `limit`). */
  | 'LIMIT_EXCEEDED'
  /** Not ended yet (it may still wait for a free slot of its workspace). The only non-final status. */
  | 'RUNNING'
  /** The program exited with code 0. */
  | 'SUCCEEDED'
  /** It ran past its wall-time limit (timeoutMs) and was killed. */
  | 'TIMED_OUT';

/** Text (UTF-8), or the exact bytes in base64. */
export type FileEncoding =
  /** The exact bytes, base64-encoded. */
  | 'BASE64'
  /** Text, stored as UTF-8 (a read turns bytes that are not UTF-8 into U+FFFD). */
  | 'UTF8';

/** What a path of the workspace is. */
export type FileEntryType =
  /** A directory. */
  | 'DIRECTORY'
  /** A regular file. */
  | 'FILE'
  /** Anything else (a FIFO, socket or device): never opened. */
  | 'OTHER'
  /** A symbolic link: never followed (its size is the link's own). */
  | 'SYMLINK';

/** EXIT: the final chunk, with the run's status. */
export type OutputStream =
  /** The last chunk of every run: data is a JSON object with status, exitCode and signal. */
  | 'EXIT'
  /** What the program wrote to its standard error. */
  | 'STDERR'
  /** What the program wrote to its standard output. */
  | 'STDOUT';

/** ADMIN manages keys and everything else; OPERATOR manages agents and tasks; VIEWER reads; AGENT acts as one agent. */
export type Role =
  /** Everything OPERATOR may do, plus the API keys (apiKeys, createApiKey, revokeApiKey). */
  | 'ADMIN'
  /** Acts as one agent (the key's agent): sees only its tasks and their events, runs, tool calls, conversation and workspace; moves, pauses and resumes them, uses the tools in their workspaces and sends the agent's heartbeat. */
  | 'AGENT'
  /** Reads everything; creates and changes agents and tasks, uses the tools in any workspace, sets command policies, reads usage reports. */
  | 'OPERATOR'
  /** Reads and subscribes to everything (the file-reading tools included); changes nothing. */
  | 'VIEWER';

/** What kind of change a TaskEvent records. */
export type TaskEventType =
  /** Not written: an assignment is the STATUS_CHANGE to DESIGN that names the agent. */
  | 'ASSIGNMENT'
  /** A problem that did not end the task: a failed model attempt, a loop warning, a workspace that could not be made. */
  | 'ERROR'
  /** A link of the task to GitHub was made or changed: its issue, a pushed branch, its pull request, a comment (Task.links). */
  | 'LINK'
  /** A person's message to the agent (sendTaskMessage), or text the model wrote. */
  | 'MESSAGE'
  /** News of the work: the workspace is ready, a phase is worked on, the task was updated. */
  | 'PROGRESS'
  /** A move of the state machine (assignment and return to the queue included), or, with the same status, a pause, a resume or a request for approval. */
  | 'STATUS_CHANGE'
  /** A tool was called, by a person, an external agent or the runtime. */
  | 'TOOL_CALL'
  /** A tool's result for the runtime, or news of a command run: waiting, running, ended. */
  | 'TOOL_OUTPUT';

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, name: string, prefix: string, role: Role, agent: { id: string, name: string } | null } };

export type BellQueryVariables = Exact<{ [key: string]: never; }>;


export type BellQuery = { unreadNotificationCount: number, notifications: { edges: Array<{ node: { id: string, seq: number } }> } };

export type BellAddedSubscriptionVariables = Exact<{
  afterSeq?: number | null | undefined;
}>;


export type BellAddedSubscription = { notificationAdded: { id: string, seq: number, title: string, readAt: string | null } };

export type TermFilesTaskWorkspaceQueryVariables = Exact<{
  id: string;
}>;


export type TermFilesTaskWorkspaceQuery = { task: { id: string, workspace: { id: string } | null } | null };

export type FilesPanelReadQueryVariables = Exact<{
  workspaceId: string;
  path: string;
  maxBytes?: number | null | undefined;
}>;


export type FilesPanelReadQuery = { readFile: { path: string, content: string, encoding: FileEncoding, size: number, truncated: boolean, version: string } };

export type FilesPanelListQueryVariables = Exact<{
  workspaceId: string;
  path?: string | null | undefined;
}>;


export type FilesPanelListQuery = { listFiles: { truncated: boolean, entries: Array<{ path: string, type: FileEntryType, size: number, modifiedAt: string }> } };

export type TermCommandRunsQueryVariables = Exact<{
  taskId: string;
}>;


export type TermCommandRunsQuery = { task: { id: string, lastEventSeq: number } | null, commandRuns: Array<{ id: string, program: string, args: Array<string>, status: CommandRunStatus, exitCode: number | null, signal: string | null, limit: string | null, durationMs: number | null, cpuTimeMs: number | null, maxRssKb: number | null, stdoutBytes: number, stderrBytes: number, truncated: boolean, createdAt: string, finishedAt: string | null, lastOutputSeq: number }> };

export type TermTaskEventsSubscriptionVariables = Exact<{
  taskId: string;
  afterSeq?: number | null | undefined;
}>;


export type TermTaskEventsSubscription = { taskEvents: { id: string, seq: number, type: TaskEventType } };

export type TermCancelCommandMutationVariables = Exact<{
  runId: string;
}>;


export type TermCancelCommandMutation = { cancelCommand: { id: string, status: CommandRunStatus, exitCode: number | null, signal: string | null, durationMs: number | null, finishedAt: string | null } };

export type TermCommandOutputSubscriptionVariables = Exact<{
  runId: string;
  afterSeq?: number | null | undefined;
}>;


export type TermCommandOutputSubscription = { commandOutput: { seq: number, stream: OutputStream, data: string, createdAt: string } };

export type TermRunEndQueryVariables = Exact<{
  id: string;
}>;


export type TermRunEndQuery = { commandRun: { id: string, status: CommandRunStatus, exitCode: number | null, signal: string | null, limit: string | null, durationMs: number | null, cpuTimeMs: number | null, maxRssKb: number | null, finishedAt: string | null } | null };


export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"agent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const BellDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Bell"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"unreadNotificationCount"}},{"kind":"Field","name":{"kind":"Name","value":"notifications"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"seq"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BellQuery, BellQueryVariables>;
export const BellAddedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"BellAdded"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"notificationAdded"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"afterSeq"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"readAt"}}]}}]}}]} as unknown as DocumentNode<BellAddedSubscription, BellAddedSubscriptionVariables>;
export const TermFilesTaskWorkspaceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TermFilesTaskWorkspace"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"task"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"workspace"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<TermFilesTaskWorkspaceQuery, TermFilesTaskWorkspaceQueryVariables>;
export const FilesPanelReadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FilesPanelRead"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"workspaceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"path"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"maxBytes"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"readFile"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"workspaceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"workspaceId"}}},{"kind":"Argument","name":{"kind":"Name","value":"path"},"value":{"kind":"Variable","name":{"kind":"Name","value":"path"}}},{"kind":"Argument","name":{"kind":"Name","value":"maxBytes"},"value":{"kind":"Variable","name":{"kind":"Name","value":"maxBytes"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"content"}},{"kind":"Field","name":{"kind":"Name","value":"encoding"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"truncated"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]} as unknown as DocumentNode<FilesPanelReadQuery, FilesPanelReadQueryVariables>;
export const FilesPanelListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FilesPanelList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"workspaceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"path"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"listFiles"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"workspaceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"workspaceId"}}},{"kind":"Argument","name":{"kind":"Name","value":"path"},"value":{"kind":"Variable","name":{"kind":"Name","value":"path"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entries"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"modifiedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"truncated"}}]}}]}}]} as unknown as DocumentNode<FilesPanelListQuery, FilesPanelListQueryVariables>;
export const TermCommandRunsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TermCommandRuns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"taskId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"task"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"taskId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"lastEventSeq"}}]}},{"kind":"Field","name":{"kind":"Name","value":"commandRuns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"taskId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"taskId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"program"}},{"kind":"Field","name":{"kind":"Name","value":"args"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"exitCode"}},{"kind":"Field","name":{"kind":"Name","value":"signal"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"cpuTimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"maxRssKb"}},{"kind":"Field","name":{"kind":"Name","value":"stdoutBytes"}},{"kind":"Field","name":{"kind":"Name","value":"stderrBytes"}},{"kind":"Field","name":{"kind":"Name","value":"truncated"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastOutputSeq"}}]}}]}}]} as unknown as DocumentNode<TermCommandRunsQuery, TermCommandRunsQueryVariables>;
export const TermTaskEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TermTaskEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"taskId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"taskEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"taskId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"taskId"}}},{"kind":"Argument","name":{"kind":"Name","value":"afterSeq"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}}]} as unknown as DocumentNode<TermTaskEventsSubscription, TermTaskEventsSubscriptionVariables>;
export const TermCancelCommandDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TermCancelCommand"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"runId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelCommand"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"runId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"runId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"exitCode"}},{"kind":"Field","name":{"kind":"Name","value":"signal"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}}]}}]}}]} as unknown as DocumentNode<TermCancelCommandMutation, TermCancelCommandMutationVariables>;
export const TermCommandOutputDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TermCommandOutput"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"runId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"commandOutput"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"runId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"runId"}}},{"kind":"Argument","name":{"kind":"Name","value":"afterSeq"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}},{"kind":"Field","name":{"kind":"Name","value":"data"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<TermCommandOutputSubscription, TermCommandOutputSubscriptionVariables>;
export const TermRunEndDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TermRunEnd"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"commandRun"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"exitCode"}},{"kind":"Field","name":{"kind":"Name","value":"signal"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"cpuTimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"maxRssKb"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}}]}}]}}]} as unknown as DocumentNode<TermRunEndQuery, TermRunEndQueryVariables>;