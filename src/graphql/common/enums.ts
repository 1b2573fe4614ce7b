import { registerEnumType } from "type-graphql";
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

export const AgentStatusEnum = asEnum(agentStatuses);
export const TaskStatusEnum = asEnum(taskStatuses);
export const TaskEventTypeEnum = asEnum(taskEventTypes);
export const RoleEnum = asEnum(roles);
export const AgentKindEnum = asEnum(agentKinds);
export const WorkspaceStatusEnum = asEnum(workspaceStatuses);

registerEnumType(AgentKindEnum, {
  name: "AgentKind",
  description: "BUILTIN agents are run by this system's workers; EXTERNAL agents work their tasks over this API.",
});
registerEnumType(WorkspaceStatusEnum, {
  name: "WorkspaceStatus",
  description: "CREATING while the directory and its Python venv are made; a task starts work only when READY.",
});

registerEnumType(AgentStatusEnum, {
  name: "AgentStatus",
  description:
    "AVAILABLE takes work; BUSY is working at capacity; OFFLINE missed its heartbeat; PAUSED was stopped by an operator.",
});
registerEnumType(TaskStatusEnum, {
  name: "TaskStatus",
  description: "PENDING → DESIGN → BUILD → TEST → REVIEW → COMPLETE, or FAILED / CANCELLED.",
});
registerEnumType(TaskEventTypeEnum, { name: "TaskEventType" });
registerEnumType(RoleEnum, {
  name: "Role",
  description:
    "ADMIN manages keys and everything else; OPERATOR manages agents and tasks; VIEWER reads; AGENT acts as one agent.",
});
