import { maySeeTask, maySeeWorkspace } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { roleAllows } from "../auth/principal.js";
import { badInput } from "../errors.js";
import { isId } from "../ids.js";
import type {
  AgentRecord,
  ChannelMessageRecord,
  ChannelRecord,
  ApiKeyRecord,
  CitationRecord,
  CommandRunRecord,
  FileChangeRecord,
  NotificationRecord,
  NotificationSubscriptionRecord,
  SearchHistoryRecord,
  SecretRecord,
  SourceRecord,
  TaskEventRecord,
  TaskMessageRecord,
  TaskRecord,
  ToolCallRecord,
  WorkspaceRecord,
} from "../records.js";

/** A record with a global id, named by the API type that shows it (Relay's `Node`). */
export type NodeRecord =
  | { type: "Task"; record: TaskRecord }
  | { type: "Agent"; record: AgentRecord }
  | { type: "Workspace"; record: WorkspaceRecord }
  | { type: "ApiKey"; record: ApiKeyRecord }
  | { type: "CommandRun"; record: CommandRunRecord }
  | { type: "ToolCall"; record: ToolCallRecord }
  | { type: "TaskEvent"; record: TaskEventRecord }
  | { type: "TaskMessage"; record: TaskMessageRecord }
  | { type: "SearchHistoryEntry"; record: SearchHistoryRecord }
  | { type: "Source"; record: SourceRecord }
  | { type: "Citation"; record: CitationRecord }
  | { type: "Secret"; record: SecretRecord }
  | { type: "Notification"; record: NotificationRecord }
  | { type: "NotificationSubscription"; record: NotificationSubscriptionRecord }
  | { type: "Channel"; record: ChannelRecord }
  | { type: "ChannelMessage"; record: ChannelMessageRecord }
  | { type: "FileChange"; record: FileChangeRecord };

export type NodeType = NodeRecord["type"];

/**
 * Finds records by id whatever their kind (implemented in src/infra/db/stores/node.store.ts). Ids
 * are UUIDv7, unique across every table, so an id names one record at most.
 */
export interface NodeStore {
  byIds(ids: readonly string[]): Promise<NodeRecord[]>;
}

/** The most ids one `nodes` call may name. */
export const maxNodeIds = 100;

/** The task a record belongs to, if it belongs to one. */
function taskIdOf(n: NodeRecord): string | null {
  switch (n.type) {
    case "Task":
      return n.record.id;
    case "Workspace":
    case "CommandRun":
    case "ToolCall":
    case "TaskEvent":
    case "TaskMessage":
    case "Source":
    case "Citation":
    case "FileChange":
      return n.record.taskId;
    default:
      return null;
  }
}

/**
 * Records by global id, each shown only to a caller who may see it by the rules of its own query
 * (access.ts): anything else answers null, as an id that does not exist would, so ids cannot be
 * probed.
 */
export class NodeService {
  constructor(
    private readonly store: NodeStore,
    private readonly tasks: { byIds(ids: readonly string[]): Promise<Map<string, TaskRecord>> },
    /** Which channels a caller may read (access.ts's mayUseChannel). */
    private readonly channels: { readableIds(ids: readonly string[], caller: Principal): Promise<Set<string>> },
  ) {}

  async find(ids: readonly string[], caller: Principal): Promise<Array<NodeRecord | null>> {
    if (ids.length > maxNodeIds) throw badInput("ids", `may name at most ${maxNodeIds} ids (got ${ids.length})`);
    const wanted = [...new Set(ids.filter(isId))];
    const found = wanted.length > 0 ? await this.store.byIds(wanted) : [];
    // An AGENT key sees a record of a task only with its task (which it sees while it holds it).
    const ofTasks = new Map<string, TaskRecord>();
    for (const n of found) if (n.type === "Task") ofTasks.set(n.record.id, n.record);
    if (caller.role === "AGENT") {
      const missing = new Set(found.map(taskIdOf).filter((id): id is string => id !== null && !ofTasks.has(id)));
      for (const [id, task] of await this.tasks.byIds([...missing])) ofTasks.set(id, task);
    }
    const channelIds = found.flatMap((n) =>
      n.type === "Channel" ? [n.record.id] : n.type === "ChannelMessage" ? [n.record.channelId] : [],
    );
    const readable = channelIds.length > 0 ? await this.channels.readableIds(channelIds, caller) : new Set<string>();
    const visible = new Map<string, NodeRecord>();
    for (const n of found) {
      const seen =
        n.type === "Channel"
          ? readable.has(n.record.id)
          : n.type === "ChannelMessage"
            ? readable.has(n.record.channelId)
            : this.maySee(caller, n, ofTasks);
      if (seen) visible.set(n.record.id, n);
    }
    return ids.map((id) => visible.get(id) ?? null);
  }

  private maySee(caller: Principal, n: NodeRecord, tasks: Map<string, TaskRecord>): boolean {
    const withTask = () => caller.role !== "AGENT" || maySeeTask(caller, tasks.get(taskIdOf(n) ?? ""));
    switch (n.type) {
      case "Task":
        return maySeeTask(caller, n.record);
      case "Agent":
        return roleAllows(caller.role, ["VIEWER"]);
      case "ApiKey":
        return roleAllows(caller.role, ["ADMIN"]) || n.record.id === caller.apiKeyId;
      case "Secret":
        return roleAllows(caller.role, ["ADMIN"]);
      case "Notification":
        return n.record.ownerKeyId === caller.apiKeyId;
      case "NotificationSubscription":
        return n.record.ownerKeyId === caller.apiKeyId || caller.role === "ADMIN";
      case "Workspace":
        return maySeeWorkspace(caller, n.record) && withTask();
      case "SearchHistoryEntry":
        // As searchHistory lists them: an AGENT key sees its own agent's searches.
        return caller.role !== "AGENT" || n.record.agentId === caller.agentId;
      default:
        return withTask();
    }
  }
}
