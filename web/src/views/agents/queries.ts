import { graphql } from "../../gql";

export const AgentRowFields = graphql(`
  fragment AgentRowFields on Agent {
    id
    name
    kind
    status
    activeTasks
    maxConcurrentTasks
    minComplexity
    maxComplexity
    lastHeartbeatAt
    model
    instructions
    tools
    requiresApproval
    emailRecipients
    toolPolicy
    updatedAt
    usage {
      costUsd
      totalTokens
      calls
    }
    currentTask {
      id
      title
    }
  }
`);

export const AgentsListDoc = graphql(`
  query AgentsList($after: String) {
    agents(first: 100, after: $after) {
      totalCount
      edges {
        node {
          ...AgentRowFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const AgentsLiveDoc = graphql(`
  subscription AgentsLive {
    agentChanged {
      ...AgentRowFields
    }
  }
`);

export const CreateAgentViewDoc = graphql(`
  mutation CreateAgentView($input: CreateAgentInput!) {
    createAgent(input: $input) {
      ...AgentRowFields
    }
  }
`);

export const UpdateAgentViewDoc = graphql(`
  mutation UpdateAgentView($id: ID!, $input: UpdateAgentInput!) {
    updateAgent(id: $id, input: $input) {
      ...AgentRowFields
    }
  }
`);

export const SetAgentPolicyDoc = graphql(`
  mutation SetAgentPolicy($id: ID!, $policy: JSONObject) {
    setToolPolicy(scope: AGENT, id: $id, policy: $policy)
  }
`);

export const PauseAgentViewDoc = graphql(`
  mutation PauseAgentView($id: ID!) {
    pauseAgent(id: $id) {
      id
      status
      updatedAt
    }
  }
`);

export const ResumeAgentViewDoc = graphql(`
  mutation ResumeAgentView($id: ID!) {
    resumeAgent(id: $id) {
      id
      status
      updatedAt
    }
  }
`);
