/** The task view's GraphQL documents (operation names start with "TaskView" to stay unique). */
import { graphql } from "../../gql";

export const TaskViewDoc = graphql(`
  query TaskView($id: ID!) {
    task(id: $id) {
      id
      title
      description
      status
      complexity
      priority
      model
      maxCostUsd
      maxTokens
      createdAt
      updatedAt
      pausedAt
      pauseReason
      awaitingApproval
      approvalRequestedAt
      requiresApproval
      summary
      lastEventSeq
      depth
      assignedAgent {
        id
        name
      }
      parent {
        id
        title
      }
      progress {
        phase
        percent
        childrenDone
        childrenTotal
      }
      usage {
        costUsd
        totalTokens
        calls
      }
      workspace {
        id
        status
      }
      channel {
        id
        name
        messageSeq
      }
    }
  }
`);

export const TaskViewChangedDoc = graphql(`
  subscription TaskViewChanged($taskId: ID!) {
    taskChanged(filter: { taskId: $taskId }) {
      id
      title
      status
      priority
      updatedAt
      pausedAt
      pauseReason
      awaitingApproval
      approvalRequestedAt
      lastEventSeq
      assignedAgent {
        id
        name
      }
      progress {
        phase
        percent
        childrenDone
        childrenTotal
      }
      usage {
        costUsd
        totalTokens
        calls
      }
      workspace {
        id
        status
      }
    }
  }
`);

export const TaskViewEventsDoc = graphql(`
  subscription TaskViewEvents($taskId: ID!, $afterSeq: Int) {
    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {
      id
      seq
      type
      content
      createdAt
      agent {
        id
        name
      }
      details {
        __typename
        ... on StatusChangeDetails {
          from
          to
          by
          note
          paused
          pauseReason
          awaitingApproval
          agentName
          summary
        }
        ... on MessageDetails {
          role
          author
          step
          part
        }
        ... on ToolCallDetails {
          callTool: tool
          callId: toolCallId
          by
        }
        ... on ToolOutputDetails {
          tool
          toolCallId
          runId
          running
          waiting
          exitCode
          status
          durationMs
          interrupted
        }
        ... on ErrorDetails {
          errorKind
          model
          outcome
          waiting
          tool
        }
        ... on LinkDetails {
          kind
          change
          url
          title
          state
          repository
          number
          branch
        }
        ... on ProgressDetails {
          phase
          by
          updated
        }
      }
    }
  }
`);

export const TaskViewConversationDoc = graphql(`
  query TaskViewConversation($id: ID!, $afterSeq: Int) {
    task(id: $id) {
      id
      conversation(afterSeq: $afterSeq, first: 500) {
        seq
        step
        role
        content
        data
        createdAt
      }
    }
  }
`);

export const TaskViewSourcesDoc = graphql(`
  query TaskViewSources($id: ID!) {
    task(id: $id) {
      id
      workspace {
        id
      }
      links {
        kind
        url
        title
        state
        repository
        number
        branch
        updatedAt
      }
      artifacts {
        id
        kind
        path
        sizeBytes
        createdAt
      }
      sources(first: 500) {
        id
        title
        url
        siteName
        authors
        accessedAt
      }
      citations(first: 500) {
        id
        number
        claim
        quote
        verified
        problem
        source {
          id
          title
        }
      }
    }
  }
`);

export const TaskViewTreeDoc = graphql(`
  query TaskViewTree($rootId: ID!) {
    taskTree(rootId: $rootId, depth: 3) {
      ...TaskViewTreeNode
      children {
        ...TaskViewTreeNode
        children {
          ...TaskViewTreeNode
          children {
            ...TaskViewTreeNode
          }
        }
      }
    }
  }
`);

export const TaskViewTreeNodeFragment = graphql(`
  fragment TaskViewTreeNode on TaskTreeNode {
    progress {
      percent
      childrenDone
      childrenTotal
    }
    task {
      id
      title
      status
    }
  }
`);

export const TaskViewChannelDoc = graphql(`
  subscription TaskViewChannel($channelId: ID!, $afterSeq: Int) {
    channelMessages(channelId: $channelId, afterSeq: $afterSeq) {
      id
      seq
      text
      createdAt
      replyToId
      author {
        name
        agentId
        apiKeyId
      }
    }
  }
`);

export const TaskViewApproveDoc = graphql(`
  mutation TaskViewApprove($id: ID!, $note: String) {
    approveTask(id: $id, note: $note) {
      id
      status
      awaitingApproval
      updatedAt
    }
  }
`);

export const TaskViewRejectDoc = graphql(`
  mutation TaskViewReject($id: ID!, $feedback: String!) {
    rejectTask(id: $id, feedback: $feedback) {
      id
      status
      awaitingApproval
      updatedAt
    }
  }
`);

export const TaskViewPauseDoc = graphql(`
  mutation TaskViewPause($id: ID!, $reason: String) {
    pauseTask(id: $id, reason: $reason) {
      id
      status
      pausedAt
      pauseReason
      updatedAt
    }
  }
`);

export const TaskViewResumeDoc = graphql(`
  mutation TaskViewResume($id: ID!) {
    resumeTask(id: $id) {
      id
      status
      pausedAt
      pauseReason
      updatedAt
    }
  }
`);

export const TaskViewCancelDoc = graphql(`
  mutation TaskViewCancel($id: ID!) {
    cancelTask(id: $id) {
      id
      status
      updatedAt
    }
  }
`);

export const TaskViewSendDoc = graphql(`
  mutation TaskViewSend($taskId: ID!, $text: String!) {
    sendTaskMessage(taskId: $taskId, text: $text) {
      id
      text
    }
  }
`);

export const TaskViewPostDoc = graphql(`
  mutation TaskViewPost($channelId: ID!, $text: String!) {
    postMessage(channelId: $channelId, text: $text) {
      id
      seq
    }
  }
`);
