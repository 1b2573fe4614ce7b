/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": typeof types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": typeof types.BellAddedDocument,
    "\n  query TermFilesTaskWorkspace($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n    }\n  }\n": typeof types.TermFilesTaskWorkspaceDocument,
    "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n": typeof types.FilesPanelReadDocument,
    "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n": typeof types.FilesPanelListDocument,
    "\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n": typeof types.TermCommandRunsDocument,
    "\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n": typeof types.TermTaskEventsDocument,
    "\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n": typeof types.TermCancelCommandDocument,
    "\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n": typeof types.TermCommandOutputDocument,
    "\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n": typeof types.TermRunEndDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": types.BellAddedDocument,
    "\n  query TermFilesTaskWorkspace($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n    }\n  }\n": types.TermFilesTaskWorkspaceDocument,
    "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n": types.FilesPanelReadDocument,
    "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n": types.FilesPanelListDocument,
    "\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n": types.TermCommandRunsDocument,
    "\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n": types.TermTaskEventsDocument,
    "\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n": types.TermCancelCommandDocument,
    "\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n": types.TermCommandOutputDocument,
    "\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n": types.TermRunEndDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n"): (typeof documents)["\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TermFilesTaskWorkspace($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query TermFilesTaskWorkspace($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n"): (typeof documents)["\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n"): (typeof documents)["\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n"): (typeof documents)["\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n"): (typeof documents)["\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n"): (typeof documents)["\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;