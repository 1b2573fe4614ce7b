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
    "\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.BoardAgentsDocument,
    "\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n": typeof types.BoardCreateTaskDocument,
    "\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n": typeof types.BoardTaskFieldsFragmentDoc,
    "\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.BoardTasksDocument,
    "\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n": typeof types.BoardTaskChangedDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": typeof types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": typeof types.BellAddedDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.BoardAgentsDocument,
    "\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n": types.BoardCreateTaskDocument,
    "\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n": types.BoardTaskFieldsFragmentDoc,
    "\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.BoardTasksDocument,
    "\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n": types.BoardTaskChangedDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": types.BellAddedDocument,
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
export function graphql(source: "\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n"): (typeof documents)["\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n"): (typeof documents)["\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n"): (typeof documents)["\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;