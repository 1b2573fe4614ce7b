import { registerEnumType } from "type-graphql";
import { runMessageRoles } from "../../domain/records.js";
import {
  agentKinds,
  agentStatuses,
  roles,
  taskEventTypes,
  taskStatuses,
  workspaceStatuses,
} from "../../domain/terms.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

/** An enum whose values are stored in lower case: UPPER_CASE in the API, mapped back at the boundary. */
const upperCased = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as { [K in T as Uppercase<K>]: K };

export const AgentStatusEnum = asEnum(agentStatuses);
export const TaskStatusEnum = asEnum(taskStatuses);
export const TaskEventTypeEnum = asEnum(taskEventTypes);
export const RoleEnum = asEnum(roles);
export const AgentKindEnum = asEnum(agentKinds);
export const WorkspaceStatusEnum = asEnum(workspaceStatuses);
export const ConversationRoleEnum = upperCased(runMessageRoles);

registerEnumType(AgentKindEnum, {
  name: "AgentKind",
  description: "BUILTIN agents are run by this system's workers; EXTERNAL agents work their tasks over this API.",
  valuesConfig: {
    BUILTIN: { description: "Run by this service's workers: its runtime calls a model and the tools for each task." },
    EXTERNAL: {
      description:
        "A program outside the service, working with an AGENT key: it follows agentAssignments, sends heartbeats and calls the tools over this API.",
    },
  },
});
registerEnumType(WorkspaceStatusEnum, {
  name: "WorkspaceStatus",
  description: "CREATING while the directory and its Python venv are made; a task starts work only when READY.",
  valuesConfig: {
    CREATING: { description: "The directory and its venv are being made (again when the task moves to a new agent)." },
    READY: { description: "Made: the agent works in it; the file tools and runs can use it." },
    FAILED: { description: "It could not be made; `error` says why, and the task gets an ERROR event." },
    REMOVED: {
      description:
        "Its files were removed by WORKSPACE_RETENTION_DAYS (every task using its folder finished long before); the record stays, file routes and tools answer WORKSPACE_REMOVED.",
    },
    LOST: {
      description:
        "The process holding its files (cluster profile) stopped answering: its files are out of reach and operations fail with WORKSPACE_LOST; READY again if that process comes back with the folder. The task gets an ERROR event.",
    },
  },
});

registerEnumType(AgentStatusEnum, {
  name: "AgentStatus",
  description:
    "AVAILABLE takes work; BUSY is working at capacity; OFFLINE missed its heartbeat; PAUSED was stopped by an operator.",
  valuesConfig: {
    AVAILABLE: { description: "Takes the pending tasks that fit its complexity range while it has a free slot." },
    BUSY: { description: "Works on maxConcurrentTasks tasks: takes no more until one of them ends or leaves it." },
    OFFLINE: {
      description:
        "Silent for AGENT_HEARTBEAT_TIMEOUT seconds: its tasks went back to PENDING. A heartbeat makes it AVAILABLE again.",
    },
    PAUSED: { description: "Stopped by pauseAgent: takes no new tasks until resumeAgent; its current ones carry on." },
  },
});
registerEnumType(TaskStatusEnum, {
  name: "TaskStatus",
  description: "PENDING → DESIGN → BUILD → TEST → REVIEW → COMPLETE, or FAILED / CANCELLED.",
  valuesConfig: {
    PENDING: {
      description:
        "Waiting for an agent: new, or back in the queue. It starts work only when an agent takes it (automatically, or assignTask).",
    },
    DESIGN: { description: "At work, first phase: the agent that took it plans the solution." },
    BUILD: { description: "At work: the agent carries out the plan (rejectTask sends a task back here)." },
    TEST: { description: "At work: the agent checks what it built." },
    REVIEW: {
      description:
        "At work, last phase: the result is reviewed; with requiresApproval it waits here for approveTask or rejectTask.",
    },
    COMPLETE: { description: "Done. Final: no move leads out." },
    FAILED: { description: "Given up. Not final: it can be moved back to PENDING to try again." },
    CANCELLED: { description: "Stopped for good (cancelTask or updateTaskStatus). Final: no move leads out." },
  },
});
registerEnumType(TaskEventTypeEnum, {
  name: "TaskEventType",
  description: "What kind of change a TaskEvent records.",
  valuesConfig: {
    STATUS_CHANGE: {
      description:
        "A move of the state machine (assignment and return to the queue included), or, with the same status, a pause, a resume or a request for approval.",
    },
    MESSAGE: { description: "A person's message to the agent (sendTaskMessage), or text the model wrote." },
    TOOL_CALL: { description: "A tool was called, by a person, an external agent or the runtime." },
    TOOL_OUTPUT: { description: "A tool's result for the runtime, or news of a command run: waiting, running, ended." },
    PROGRESS: { description: "News of the work: the workspace is ready, a phase is worked on, the task was updated." },
    ASSIGNMENT: {
      description: "Not written: an assignment is the STATUS_CHANGE to DESIGN that names the agent.",
    },
    ERROR: {
      description:
        "A problem that did not end the task: a failed model attempt, a loop warning, a workspace that could not be made.",
    },
    LINK: {
      description:
        "A link of the task to GitHub was made or changed: its issue, a pushed branch, its pull request, a comment (Task.links).",
    },
  },
});
registerEnumType(RoleEnum, {
  name: "Role",
  description:
    "ADMIN manages keys and everything else; OPERATOR manages agents and tasks; VIEWER reads; AGENT acts as one agent.",
  valuesConfig: {
    ADMIN: { description: "Everything OPERATOR may do, plus the API keys (apiKeys, createApiKey, revokeApiKey)." },
    OPERATOR: {
      description:
        "Reads everything; creates and changes agents and tasks, uses the tools in any workspace, sets command policies, reads usage reports.",
    },
    VIEWER: { description: "Reads and subscribes to everything (the file-reading tools included); changes nothing." },
    AGENT: {
      description:
        "Acts as one agent (the key's agent): sees only its tasks and their events, runs, tool calls, conversation and workspace; moves, pauses and resumes them, uses the tools in their workspaces and sends the agent's heartbeat.",
    },
  },
});
registerEnumType(ConversationRoleEnum, {
  name: "ConversationRole",
  description: "Who wrote a message of a builtin agent's conversation with its model.",
  valuesConfig: {
    USER: { description: "The runtime (the task, a nudge) or a person (sendTaskMessage, rejectTask's feedback)." },
    ASSISTANT: { description: "The model: its text and the tools it called." },
    TOOL: { description: "The result of one tool call, answering the model." },
  },
});
