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
    "\n  fragment AgentRowFields on Agent {\n    id\n    name\n    kind\n    status\n    activeTasks\n    maxConcurrentTasks\n    minComplexity\n    maxComplexity\n    lastHeartbeatAt\n    model\n    instructions\n    tools\n    requiresApproval\n    emailRecipients\n    toolPolicy\n    updatedAt\n    usage {\n      costUsd\n      totalTokens\n      calls\n    }\n    currentTask {\n      id\n      title\n    }\n  }\n": typeof types.AgentRowFieldsFragmentDoc,
    "\n  query AgentsList($after: String) {\n    agents(first: 100, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...AgentRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AgentsListDocument,
    "\n  subscription AgentsLive {\n    agentChanged {\n      ...AgentRowFields\n    }\n  }\n": typeof types.AgentsLiveDocument,
    "\n  mutation CreateAgentView($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      ...AgentRowFields\n    }\n  }\n": typeof types.CreateAgentViewDocument,
    "\n  mutation UpdateAgentView($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      ...AgentRowFields\n    }\n  }\n": typeof types.UpdateAgentViewDocument,
    "\n  mutation SetAgentPolicy($id: ID!, $policy: JSONObject) {\n    setToolPolicy(scope: AGENT, id: $id, policy: $policy)\n  }\n": typeof types.SetAgentPolicyDocument,
    "\n  mutation PauseAgentView($id: ID!) {\n    pauseAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": typeof types.PauseAgentViewDocument,
    "\n  mutation ResumeAgentView($id: ID!) {\n    resumeAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": typeof types.ResumeAgentViewDocument,
    "\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.BoardAgentsDocument,
    "\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n": typeof types.BoardCreateTaskDocument,
    "\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n": typeof types.BoardTaskFieldsFragmentDoc,
    "\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.BoardTasksDocument,
    "\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n": typeof types.BoardTaskChangedDocument,
    "\n  query ApiKeysList {\n    apiKeys(includeRevoked: true) {\n      id\n      name\n      prefix\n      role\n      createdAt\n      lastUsedAt\n      revokedAt\n      agent {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ApiKeysListDocument,
    "\n  query KeyAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.KeyAgentsDocument,
    "\n  mutation CreateKeyView($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        prefix\n        role\n      }\n    }\n  }\n": typeof types.CreateKeyViewDocument,
    "\n  mutation RevokeKeyView($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeKeyViewDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": typeof types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": typeof types.BellAddedDocument,
    "\n  fragment NotificationFields on Notification {\n    id\n    seq\n    event\n    title\n    body\n    createdAt\n    taskId\n    readAt\n  }\n": typeof types.NotificationFieldsFragmentDoc,
    "\n  query NotificationsPage($after: String, $unreadOnly: Boolean) {\n    notifications(first: 20, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      edges {\n        node {\n          ...NotificationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.NotificationsPageDocument,
    "\n  query NotificationsHead {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": typeof types.NotificationsHeadDocument,
    "\n  subscription NotificationsLive($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      ...NotificationFields\n    }\n  }\n": typeof types.NotificationsLiveDocument,
    "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all)\n  }\n": typeof types.MarkReadDocument,
    "\n  query MySubscriptions {\n    notificationSubscriptions(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          channel\n          address\n          events\n          createdAt\n          filter {\n            agentId\n            taskId\n            minPriority\n          }\n        }\n      }\n    }\n  }\n": typeof types.MySubscriptionsDocument,
    "\n  mutation SubscribeView($input: SubscribeNotificationsInput!) {\n    subscribeNotifications(input: $input) {\n      id\n      channel\n      address\n      events\n    }\n  }\n": typeof types.SubscribeViewDocument,
    "\n  mutation UnsubscribeView($id: ID!) {\n    unsubscribeNotifications(id: $id) {\n      id\n    }\n  }\n": typeof types.UnsubscribeViewDocument,
    "\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n": typeof types.UsageViewDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      name\n      prefix\n      role\n      agent {\n        id\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  fragment AgentRowFields on Agent {\n    id\n    name\n    kind\n    status\n    activeTasks\n    maxConcurrentTasks\n    minComplexity\n    maxComplexity\n    lastHeartbeatAt\n    model\n    instructions\n    tools\n    requiresApproval\n    emailRecipients\n    toolPolicy\n    updatedAt\n    usage {\n      costUsd\n      totalTokens\n      calls\n    }\n    currentTask {\n      id\n      title\n    }\n  }\n": types.AgentRowFieldsFragmentDoc,
    "\n  query AgentsList($after: String) {\n    agents(first: 100, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...AgentRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AgentsListDocument,
    "\n  subscription AgentsLive {\n    agentChanged {\n      ...AgentRowFields\n    }\n  }\n": types.AgentsLiveDocument,
    "\n  mutation CreateAgentView($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      ...AgentRowFields\n    }\n  }\n": types.CreateAgentViewDocument,
    "\n  mutation UpdateAgentView($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      ...AgentRowFields\n    }\n  }\n": types.UpdateAgentViewDocument,
    "\n  mutation SetAgentPolicy($id: ID!, $policy: JSONObject) {\n    setToolPolicy(scope: AGENT, id: $id, policy: $policy)\n  }\n": types.SetAgentPolicyDocument,
    "\n  mutation PauseAgentView($id: ID!) {\n    pauseAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": types.PauseAgentViewDocument,
    "\n  mutation ResumeAgentView($id: ID!) {\n    resumeAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": types.ResumeAgentViewDocument,
    "\n  query BoardAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.BoardAgentsDocument,
    "\n  mutation BoardCreateTask($input: CreateTaskInput!) {\n    createTask(input: $input) {\n      ...BoardTaskFields\n    }\n  }\n": types.BoardCreateTaskDocument,
    "\n  fragment BoardTaskFields on Task {\n    id\n    title\n    description\n    status\n    priority\n    complexity\n    awaitingApproval\n    pausedAt\n    updatedAt\n    createdAt\n    progress {\n      percent\n    }\n    assignedAgent {\n      id\n      name\n    }\n  }\n": types.BoardTaskFieldsFragmentDoc,
    "\n  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {\n    tasks(first: $first, after: $after, filter: $filter) {\n      totalCount\n      edges {\n        node {\n          ...BoardTaskFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.BoardTasksDocument,
    "\n  subscription BoardTaskChanged {\n    taskChanged {\n      ...BoardTaskFields\n    }\n  }\n": types.BoardTaskChangedDocument,
    "\n  query ApiKeysList {\n    apiKeys(includeRevoked: true) {\n      id\n      name\n      prefix\n      role\n      createdAt\n      lastUsedAt\n      revokedAt\n      agent {\n        id\n        name\n      }\n    }\n  }\n": types.ApiKeysListDocument,
    "\n  query KeyAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.KeyAgentsDocument,
    "\n  mutation CreateKeyView($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        prefix\n        role\n      }\n    }\n  }\n": types.CreateKeyViewDocument,
    "\n  mutation RevokeKeyView($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeKeyViewDocument,
    "\n  query Bell {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": types.BellDocument,
    "\n  subscription BellAdded($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      id\n      seq\n      title\n      readAt\n    }\n  }\n": types.BellAddedDocument,
    "\n  fragment NotificationFields on Notification {\n    id\n    seq\n    event\n    title\n    body\n    createdAt\n    taskId\n    readAt\n  }\n": types.NotificationFieldsFragmentDoc,
    "\n  query NotificationsPage($after: String, $unreadOnly: Boolean) {\n    notifications(first: 20, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      edges {\n        node {\n          ...NotificationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.NotificationsPageDocument,
    "\n  query NotificationsHead {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": types.NotificationsHeadDocument,
    "\n  subscription NotificationsLive($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      ...NotificationFields\n    }\n  }\n": types.NotificationsLiveDocument,
    "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all)\n  }\n": types.MarkReadDocument,
    "\n  query MySubscriptions {\n    notificationSubscriptions(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          channel\n          address\n          events\n          createdAt\n          filter {\n            agentId\n            taskId\n            minPriority\n          }\n        }\n      }\n    }\n  }\n": types.MySubscriptionsDocument,
    "\n  mutation SubscribeView($input: SubscribeNotificationsInput!) {\n    subscribeNotifications(input: $input) {\n      id\n      channel\n      address\n      events\n    }\n  }\n": types.SubscribeViewDocument,
    "\n  mutation UnsubscribeView($id: ID!) {\n    unsubscribeNotifications(id: $id) {\n      id\n    }\n  }\n": types.UnsubscribeViewDocument,
    "\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n": types.UsageViewDocument,
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
export function graphql(source: "\n  fragment AgentRowFields on Agent {\n    id\n    name\n    kind\n    status\n    activeTasks\n    maxConcurrentTasks\n    minComplexity\n    maxComplexity\n    lastHeartbeatAt\n    model\n    instructions\n    tools\n    requiresApproval\n    emailRecipients\n    toolPolicy\n    updatedAt\n    usage {\n      costUsd\n      totalTokens\n      calls\n    }\n    currentTask {\n      id\n      title\n    }\n  }\n"): (typeof documents)["\n  fragment AgentRowFields on Agent {\n    id\n    name\n    kind\n    status\n    activeTasks\n    maxConcurrentTasks\n    minComplexity\n    maxComplexity\n    lastHeartbeatAt\n    model\n    instructions\n    tools\n    requiresApproval\n    emailRecipients\n    toolPolicy\n    updatedAt\n    usage {\n      costUsd\n      totalTokens\n      calls\n    }\n    currentTask {\n      id\n      title\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AgentsList($after: String) {\n    agents(first: 100, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...AgentRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AgentsList($after: String) {\n    agents(first: 100, after: $after) {\n      totalCount\n      edges {\n        node {\n          ...AgentRowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AgentsLive {\n    agentChanged {\n      ...AgentRowFields\n    }\n  }\n"): (typeof documents)["\n  subscription AgentsLive {\n    agentChanged {\n      ...AgentRowFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAgentView($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      ...AgentRowFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateAgentView($input: CreateAgentInput!) {\n    createAgent(input: $input) {\n      ...AgentRowFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAgentView($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      ...AgentRowFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateAgentView($id: ID!, $input: UpdateAgentInput!) {\n    updateAgent(id: $id, input: $input) {\n      ...AgentRowFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAgentPolicy($id: ID!, $policy: JSONObject) {\n    setToolPolicy(scope: AGENT, id: $id, policy: $policy)\n  }\n"): (typeof documents)["\n  mutation SetAgentPolicy($id: ID!, $policy: JSONObject) {\n    setToolPolicy(scope: AGENT, id: $id, policy: $policy)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseAgentView($id: ID!) {\n    pauseAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation PauseAgentView($id: ID!) {\n    pauseAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeAgentView($id: ID!) {\n    resumeAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation ResumeAgentView($id: ID!) {\n    resumeAgent(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"];
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
export function graphql(source: "\n  query ApiKeysList {\n    apiKeys(includeRevoked: true) {\n      id\n      name\n      prefix\n      role\n      createdAt\n      lastUsedAt\n      revokedAt\n      agent {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeysList {\n    apiKeys(includeRevoked: true) {\n      id\n      name\n      prefix\n      role\n      createdAt\n      lastUsedAt\n      revokedAt\n      agent {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query KeyAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query KeyAgents {\n    agents(first: 100) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateKeyView($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        prefix\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateKeyView($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        prefix\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeKeyView($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeKeyView($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
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
export function graphql(source: "\n  fragment NotificationFields on Notification {\n    id\n    seq\n    event\n    title\n    body\n    createdAt\n    taskId\n    readAt\n  }\n"): (typeof documents)["\n  fragment NotificationFields on Notification {\n    id\n    seq\n    event\n    title\n    body\n    createdAt\n    taskId\n    readAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationsPage($after: String, $unreadOnly: Boolean) {\n    notifications(first: 20, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      edges {\n        node {\n          ...NotificationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query NotificationsPage($after: String, $unreadOnly: Boolean) {\n    notifications(first: 20, after: $after, unreadOnly: $unreadOnly) {\n      totalCount\n      edges {\n        node {\n          ...NotificationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationsHead {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query NotificationsHead {\n    unreadNotificationCount\n    notifications(first: 1) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationsLive($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      ...NotificationFields\n    }\n  }\n"): (typeof documents)["\n  subscription NotificationsLive($afterSeq: Int) {\n    notificationAdded(afterSeq: $afterSeq) {\n      ...NotificationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all)\n  }\n"): (typeof documents)["\n  mutation MarkRead($ids: [ID!], $all: Boolean) {\n    markNotificationsRead(ids: $ids, all: $all)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySubscriptions {\n    notificationSubscriptions(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          channel\n          address\n          events\n          createdAt\n          filter {\n            agentId\n            taskId\n            minPriority\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MySubscriptions {\n    notificationSubscriptions(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          channel\n          address\n          events\n          createdAt\n          filter {\n            agentId\n            taskId\n            minPriority\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubscribeView($input: SubscribeNotificationsInput!) {\n    subscribeNotifications(input: $input) {\n      id\n      channel\n      address\n      events\n    }\n  }\n"): (typeof documents)["\n  mutation SubscribeView($input: SubscribeNotificationsInput!) {\n    subscribeNotifications(input: $input) {\n      id\n      channel\n      address\n      events\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnsubscribeView($id: ID!) {\n    unsubscribeNotifications(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UnsubscribeView($id: ID!) {\n    unsubscribeNotifications(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n"): (typeof documents)["\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;