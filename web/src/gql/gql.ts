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
    "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n": typeof types.FilesPanelReadDocument,
    "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n": typeof types.FilesPanelListDocument,
    "\n  query TaskView($id: ID!) {\n    task(id: $id) {\n      id\n      title\n      description\n      status\n      complexity\n      priority\n      model\n      maxCostUsd\n      maxTokens\n      createdAt\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      requiresApproval\n      summary\n      lastEventSeq\n      depth\n      assignedAgent {\n        id\n        name\n      }\n      parent {\n        id\n        title\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n      channel {\n        id\n        name\n        messageSeq\n      }\n    }\n  }\n": typeof types.TaskViewDocument,
    "\n  subscription TaskViewChanged($taskId: ID!) {\n    taskChanged(filter: { taskId: $taskId }) {\n      id\n      title\n      status\n      priority\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      lastEventSeq\n      assignedAgent {\n        id\n        name\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n    }\n  }\n": typeof types.TaskViewChangedDocument,
    "\n  subscription TaskViewEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n      content\n      createdAt\n      agent {\n        id\n        name\n      }\n      details {\n        __typename\n        ... on StatusChangeDetails {\n          from\n          to\n          by\n          note\n          paused\n          pauseReason\n          awaitingApproval\n          agentName\n          summary\n        }\n        ... on MessageDetails {\n          role\n          author\n          step\n          part\n        }\n        ... on ToolCallDetails {\n          callTool: tool\n          callId: toolCallId\n          by\n        }\n        ... on ToolOutputDetails {\n          tool\n          toolCallId\n          runId\n          running\n          waiting\n          exitCode\n          status\n          durationMs\n          interrupted\n        }\n        ... on ErrorDetails {\n          errorKind\n          model\n          outcome\n          waiting\n          tool\n        }\n        ... on LinkDetails {\n          kind\n          change\n          url\n          title\n          state\n          repository\n          number\n          branch\n        }\n        ... on ProgressDetails {\n          phase\n          by\n          updated\n        }\n      }\n    }\n  }\n": typeof types.TaskViewEventsDocument,
    "\n  query TaskViewConversation($id: ID!, $afterSeq: Int) {\n    task(id: $id) {\n      id\n      conversation(afterSeq: $afterSeq, first: 500) {\n        seq\n        step\n        role\n        content\n        data\n        createdAt\n      }\n    }\n  }\n": typeof types.TaskViewConversationDocument,
    "\n  query TaskViewSources($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n      links {\n        kind\n        url\n        title\n        state\n        repository\n        number\n        branch\n        updatedAt\n      }\n      artifacts {\n        id\n        kind\n        path\n        sizeBytes\n        createdAt\n      }\n      sources(first: 500) {\n        id\n        title\n        url\n        siteName\n        authors\n        accessedAt\n      }\n      citations(first: 500) {\n        id\n        number\n        claim\n        quote\n        verified\n        problem\n        source {\n          id\n          title\n        }\n      }\n    }\n  }\n": typeof types.TaskViewSourcesDocument,
    "\n  query TaskViewTree($rootId: ID!) {\n    taskTree(rootId: $rootId, depth: 3) {\n      ...TaskViewTreeNode\n      children {\n        ...TaskViewTreeNode\n        children {\n          ...TaskViewTreeNode\n          children {\n            ...TaskViewTreeNode\n          }\n        }\n      }\n    }\n  }\n": typeof types.TaskViewTreeDocument,
    "\n  fragment TaskViewTreeNode on TaskTreeNode {\n    progress {\n      percent\n      childrenDone\n      childrenTotal\n    }\n    task {\n      id\n      title\n      status\n    }\n  }\n": typeof types.TaskViewTreeNodeFragmentDoc,
    "\n  subscription TaskViewChannel($channelId: ID!, $afterSeq: Int) {\n    channelMessages(channelId: $channelId, afterSeq: $afterSeq) {\n      id\n      seq\n      text\n      createdAt\n      replyToId\n      author {\n        name\n        agentId\n        apiKeyId\n      }\n    }\n  }\n": typeof types.TaskViewChannelDocument,
    "\n  mutation TaskViewApprove($id: ID!, $note: String) {\n    approveTask(id: $id, note: $note) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n": typeof types.TaskViewApproveDocument,
    "\n  mutation TaskViewReject($id: ID!, $feedback: String!) {\n    rejectTask(id: $id, feedback: $feedback) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n": typeof types.TaskViewRejectDocument,
    "\n  mutation TaskViewPause($id: ID!, $reason: String) {\n    pauseTask(id: $id, reason: $reason) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n": typeof types.TaskViewPauseDocument,
    "\n  mutation TaskViewResume($id: ID!) {\n    resumeTask(id: $id) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n": typeof types.TaskViewResumeDocument,
    "\n  mutation TaskViewCancel($id: ID!) {\n    cancelTask(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": typeof types.TaskViewCancelDocument,
    "\n  mutation TaskViewSend($taskId: ID!, $text: String!) {\n    sendTaskMessage(taskId: $taskId, text: $text) {\n      id\n      text\n    }\n  }\n": typeof types.TaskViewSendDocument,
    "\n  mutation TaskViewPost($channelId: ID!, $text: String!) {\n    postMessage(channelId: $channelId, text: $text) {\n      id\n      seq\n    }\n  }\n": typeof types.TaskViewPostDocument,
    "\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n": typeof types.TermCommandRunsDocument,
    "\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n": typeof types.TermTaskEventsDocument,
    "\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n": typeof types.TermCancelCommandDocument,
    "\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n": typeof types.TermCommandOutputDocument,
    "\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n": typeof types.TermRunEndDocument,
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
    "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n": types.FilesPanelReadDocument,
    "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n": types.FilesPanelListDocument,
    "\n  query TaskView($id: ID!) {\n    task(id: $id) {\n      id\n      title\n      description\n      status\n      complexity\n      priority\n      model\n      maxCostUsd\n      maxTokens\n      createdAt\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      requiresApproval\n      summary\n      lastEventSeq\n      depth\n      assignedAgent {\n        id\n        name\n      }\n      parent {\n        id\n        title\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n      channel {\n        id\n        name\n        messageSeq\n      }\n    }\n  }\n": types.TaskViewDocument,
    "\n  subscription TaskViewChanged($taskId: ID!) {\n    taskChanged(filter: { taskId: $taskId }) {\n      id\n      title\n      status\n      priority\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      lastEventSeq\n      assignedAgent {\n        id\n        name\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n    }\n  }\n": types.TaskViewChangedDocument,
    "\n  subscription TaskViewEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n      content\n      createdAt\n      agent {\n        id\n        name\n      }\n      details {\n        __typename\n        ... on StatusChangeDetails {\n          from\n          to\n          by\n          note\n          paused\n          pauseReason\n          awaitingApproval\n          agentName\n          summary\n        }\n        ... on MessageDetails {\n          role\n          author\n          step\n          part\n        }\n        ... on ToolCallDetails {\n          callTool: tool\n          callId: toolCallId\n          by\n        }\n        ... on ToolOutputDetails {\n          tool\n          toolCallId\n          runId\n          running\n          waiting\n          exitCode\n          status\n          durationMs\n          interrupted\n        }\n        ... on ErrorDetails {\n          errorKind\n          model\n          outcome\n          waiting\n          tool\n        }\n        ... on LinkDetails {\n          kind\n          change\n          url\n          title\n          state\n          repository\n          number\n          branch\n        }\n        ... on ProgressDetails {\n          phase\n          by\n          updated\n        }\n      }\n    }\n  }\n": types.TaskViewEventsDocument,
    "\n  query TaskViewConversation($id: ID!, $afterSeq: Int) {\n    task(id: $id) {\n      id\n      conversation(afterSeq: $afterSeq, first: 500) {\n        seq\n        step\n        role\n        content\n        data\n        createdAt\n      }\n    }\n  }\n": types.TaskViewConversationDocument,
    "\n  query TaskViewSources($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n      links {\n        kind\n        url\n        title\n        state\n        repository\n        number\n        branch\n        updatedAt\n      }\n      artifacts {\n        id\n        kind\n        path\n        sizeBytes\n        createdAt\n      }\n      sources(first: 500) {\n        id\n        title\n        url\n        siteName\n        authors\n        accessedAt\n      }\n      citations(first: 500) {\n        id\n        number\n        claim\n        quote\n        verified\n        problem\n        source {\n          id\n          title\n        }\n      }\n    }\n  }\n": types.TaskViewSourcesDocument,
    "\n  query TaskViewTree($rootId: ID!) {\n    taskTree(rootId: $rootId, depth: 3) {\n      ...TaskViewTreeNode\n      children {\n        ...TaskViewTreeNode\n        children {\n          ...TaskViewTreeNode\n          children {\n            ...TaskViewTreeNode\n          }\n        }\n      }\n    }\n  }\n": types.TaskViewTreeDocument,
    "\n  fragment TaskViewTreeNode on TaskTreeNode {\n    progress {\n      percent\n      childrenDone\n      childrenTotal\n    }\n    task {\n      id\n      title\n      status\n    }\n  }\n": types.TaskViewTreeNodeFragmentDoc,
    "\n  subscription TaskViewChannel($channelId: ID!, $afterSeq: Int) {\n    channelMessages(channelId: $channelId, afterSeq: $afterSeq) {\n      id\n      seq\n      text\n      createdAt\n      replyToId\n      author {\n        name\n        agentId\n        apiKeyId\n      }\n    }\n  }\n": types.TaskViewChannelDocument,
    "\n  mutation TaskViewApprove($id: ID!, $note: String) {\n    approveTask(id: $id, note: $note) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n": types.TaskViewApproveDocument,
    "\n  mutation TaskViewReject($id: ID!, $feedback: String!) {\n    rejectTask(id: $id, feedback: $feedback) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n": types.TaskViewRejectDocument,
    "\n  mutation TaskViewPause($id: ID!, $reason: String) {\n    pauseTask(id: $id, reason: $reason) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n": types.TaskViewPauseDocument,
    "\n  mutation TaskViewResume($id: ID!) {\n    resumeTask(id: $id) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n": types.TaskViewResumeDocument,
    "\n  mutation TaskViewCancel($id: ID!) {\n    cancelTask(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n": types.TaskViewCancelDocument,
    "\n  mutation TaskViewSend($taskId: ID!, $text: String!) {\n    sendTaskMessage(taskId: $taskId, text: $text) {\n      id\n      text\n    }\n  }\n": types.TaskViewSendDocument,
    "\n  mutation TaskViewPost($channelId: ID!, $text: String!) {\n    postMessage(channelId: $channelId, text: $text) {\n      id\n      seq\n    }\n  }\n": types.TaskViewPostDocument,
    "\n  query TermCommandRuns($taskId: ID!) {\n    task(id: $taskId) {\n      id\n      lastEventSeq\n    }\n    commandRuns(taskId: $taskId) {\n      id\n      program\n      args\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      stdoutBytes\n      stderrBytes\n      truncated\n      createdAt\n      finishedAt\n      lastOutputSeq\n    }\n  }\n": types.TermCommandRunsDocument,
    "\n  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n    }\n  }\n": types.TermTaskEventsDocument,
    "\n  mutation TermCancelCommand($runId: ID!) {\n    cancelCommand(runId: $runId) {\n      id\n      status\n      exitCode\n      signal\n      durationMs\n      finishedAt\n    }\n  }\n": types.TermCancelCommandDocument,
    "\n  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {\n    commandOutput(runId: $runId, afterSeq: $afterSeq) {\n      seq\n      stream\n      data\n      createdAt\n    }\n  }\n": types.TermCommandOutputDocument,
    "\n  query TermRunEnd($id: ID!) {\n    commandRun(id: $id) {\n      id\n      status\n      exitCode\n      signal\n      limit\n      durationMs\n      cpuTimeMs\n      maxRssKb\n      finishedAt\n    }\n  }\n": types.TermRunEndDocument,
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
export function graphql(source: "\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n"): (typeof documents)["\n  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {\n    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {\n      path\n      content\n      encoding\n      size\n      truncated\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n"): (typeof documents)["\n  query FilesPanelList($workspaceId: ID!, $path: String) {\n    listFiles(workspaceId: $workspaceId, path: $path) {\n      entries {\n        path\n        type\n        size\n        modifiedAt\n      }\n      truncated\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskView($id: ID!) {\n    task(id: $id) {\n      id\n      title\n      description\n      status\n      complexity\n      priority\n      model\n      maxCostUsd\n      maxTokens\n      createdAt\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      requiresApproval\n      summary\n      lastEventSeq\n      depth\n      assignedAgent {\n        id\n        name\n      }\n      parent {\n        id\n        title\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n      channel {\n        id\n        name\n        messageSeq\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskView($id: ID!) {\n    task(id: $id) {\n      id\n      title\n      description\n      status\n      complexity\n      priority\n      model\n      maxCostUsd\n      maxTokens\n      createdAt\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      requiresApproval\n      summary\n      lastEventSeq\n      depth\n      assignedAgent {\n        id\n        name\n      }\n      parent {\n        id\n        title\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n      channel {\n        id\n        name\n        messageSeq\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskViewChanged($taskId: ID!) {\n    taskChanged(filter: { taskId: $taskId }) {\n      id\n      title\n      status\n      priority\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      lastEventSeq\n      assignedAgent {\n        id\n        name\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TaskViewChanged($taskId: ID!) {\n    taskChanged(filter: { taskId: $taskId }) {\n      id\n      title\n      status\n      priority\n      updatedAt\n      pausedAt\n      pauseReason\n      awaitingApproval\n      approvalRequestedAt\n      lastEventSeq\n      assignedAgent {\n        id\n        name\n      }\n      progress {\n        phase\n        percent\n        childrenDone\n        childrenTotal\n      }\n      usage {\n        costUsd\n        totalTokens\n        calls\n      }\n      workspace {\n        id\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskViewEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n      content\n      createdAt\n      agent {\n        id\n        name\n      }\n      details {\n        __typename\n        ... on StatusChangeDetails {\n          from\n          to\n          by\n          note\n          paused\n          pauseReason\n          awaitingApproval\n          agentName\n          summary\n        }\n        ... on MessageDetails {\n          role\n          author\n          step\n          part\n        }\n        ... on ToolCallDetails {\n          callTool: tool\n          callId: toolCallId\n          by\n        }\n        ... on ToolOutputDetails {\n          tool\n          toolCallId\n          runId\n          running\n          waiting\n          exitCode\n          status\n          durationMs\n          interrupted\n        }\n        ... on ErrorDetails {\n          errorKind\n          model\n          outcome\n          waiting\n          tool\n        }\n        ... on LinkDetails {\n          kind\n          change\n          url\n          title\n          state\n          repository\n          number\n          branch\n        }\n        ... on ProgressDetails {\n          phase\n          by\n          updated\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TaskViewEvents($taskId: ID!, $afterSeq: Int) {\n    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {\n      id\n      seq\n      type\n      content\n      createdAt\n      agent {\n        id\n        name\n      }\n      details {\n        __typename\n        ... on StatusChangeDetails {\n          from\n          to\n          by\n          note\n          paused\n          pauseReason\n          awaitingApproval\n          agentName\n          summary\n        }\n        ... on MessageDetails {\n          role\n          author\n          step\n          part\n        }\n        ... on ToolCallDetails {\n          callTool: tool\n          callId: toolCallId\n          by\n        }\n        ... on ToolOutputDetails {\n          tool\n          toolCallId\n          runId\n          running\n          waiting\n          exitCode\n          status\n          durationMs\n          interrupted\n        }\n        ... on ErrorDetails {\n          errorKind\n          model\n          outcome\n          waiting\n          tool\n        }\n        ... on LinkDetails {\n          kind\n          change\n          url\n          title\n          state\n          repository\n          number\n          branch\n        }\n        ... on ProgressDetails {\n          phase\n          by\n          updated\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskViewConversation($id: ID!, $afterSeq: Int) {\n    task(id: $id) {\n      id\n      conversation(afterSeq: $afterSeq, first: 500) {\n        seq\n        step\n        role\n        content\n        data\n        createdAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskViewConversation($id: ID!, $afterSeq: Int) {\n    task(id: $id) {\n      id\n      conversation(afterSeq: $afterSeq, first: 500) {\n        seq\n        step\n        role\n        content\n        data\n        createdAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskViewSources($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n      links {\n        kind\n        url\n        title\n        state\n        repository\n        number\n        branch\n        updatedAt\n      }\n      artifacts {\n        id\n        kind\n        path\n        sizeBytes\n        createdAt\n      }\n      sources(first: 500) {\n        id\n        title\n        url\n        siteName\n        authors\n        accessedAt\n      }\n      citations(first: 500) {\n        id\n        number\n        claim\n        quote\n        verified\n        problem\n        source {\n          id\n          title\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskViewSources($id: ID!) {\n    task(id: $id) {\n      id\n      workspace {\n        id\n      }\n      links {\n        kind\n        url\n        title\n        state\n        repository\n        number\n        branch\n        updatedAt\n      }\n      artifacts {\n        id\n        kind\n        path\n        sizeBytes\n        createdAt\n      }\n      sources(first: 500) {\n        id\n        title\n        url\n        siteName\n        authors\n        accessedAt\n      }\n      citations(first: 500) {\n        id\n        number\n        claim\n        quote\n        verified\n        problem\n        source {\n          id\n          title\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskViewTree($rootId: ID!) {\n    taskTree(rootId: $rootId, depth: 3) {\n      ...TaskViewTreeNode\n      children {\n        ...TaskViewTreeNode\n        children {\n          ...TaskViewTreeNode\n          children {\n            ...TaskViewTreeNode\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TaskViewTree($rootId: ID!) {\n    taskTree(rootId: $rootId, depth: 3) {\n      ...TaskViewTreeNode\n      children {\n        ...TaskViewTreeNode\n        children {\n          ...TaskViewTreeNode\n          children {\n            ...TaskViewTreeNode\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TaskViewTreeNode on TaskTreeNode {\n    progress {\n      percent\n      childrenDone\n      childrenTotal\n    }\n    task {\n      id\n      title\n      status\n    }\n  }\n"): (typeof documents)["\n  fragment TaskViewTreeNode on TaskTreeNode {\n    progress {\n      percent\n      childrenDone\n      childrenTotal\n    }\n    task {\n      id\n      title\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TaskViewChannel($channelId: ID!, $afterSeq: Int) {\n    channelMessages(channelId: $channelId, afterSeq: $afterSeq) {\n      id\n      seq\n      text\n      createdAt\n      replyToId\n      author {\n        name\n        agentId\n        apiKeyId\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TaskViewChannel($channelId: ID!, $afterSeq: Int) {\n    channelMessages(channelId: $channelId, afterSeq: $afterSeq) {\n      id\n      seq\n      text\n      createdAt\n      replyToId\n      author {\n        name\n        agentId\n        apiKeyId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewApprove($id: ID!, $note: String) {\n    approveTask(id: $id, note: $note) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewApprove($id: ID!, $note: String) {\n    approveTask(id: $id, note: $note) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewReject($id: ID!, $feedback: String!) {\n    rejectTask(id: $id, feedback: $feedback) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewReject($id: ID!, $feedback: String!) {\n    rejectTask(id: $id, feedback: $feedback) {\n      id\n      status\n      awaitingApproval\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewPause($id: ID!, $reason: String) {\n    pauseTask(id: $id, reason: $reason) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewPause($id: ID!, $reason: String) {\n    pauseTask(id: $id, reason: $reason) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewResume($id: ID!) {\n    resumeTask(id: $id) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewResume($id: ID!) {\n    resumeTask(id: $id) {\n      id\n      status\n      pausedAt\n      pauseReason\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewCancel($id: ID!) {\n    cancelTask(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewCancel($id: ID!) {\n    cancelTask(id: $id) {\n      id\n      status\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewSend($taskId: ID!, $text: String!) {\n    sendTaskMessage(taskId: $taskId, text: $text) {\n      id\n      text\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewSend($taskId: ID!, $text: String!) {\n    sendTaskMessage(taskId: $taskId, text: $text) {\n      id\n      text\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TaskViewPost($channelId: ID!, $text: String!) {\n    postMessage(channelId: $channelId, text: $text) {\n      id\n      seq\n    }\n  }\n"): (typeof documents)["\n  mutation TaskViewPost($channelId: ID!, $text: String!) {\n    postMessage(channelId: $channelId, text: $text) {\n      id\n      seq\n    }\n  }\n"];
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n"): (typeof documents)["\n  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {\n    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {\n      key\n      label\n      costUsd\n      totalTokens\n      calls\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;