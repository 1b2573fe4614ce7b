import type { NodeRecord, NodeStore } from "../../../domain/nodes/node.service.js";
import {
  AgentRecord,
  ApiKeyRecord,
  ChannelMessageRecord,
  ChannelRecord,
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
} from "../../../domain/records.js";
import type { Database } from "../orm.js";
import { placeholders, sql } from "../reader.js";

/** The tables of records with a global id, by the API type that shows them. */
const tables = {
  Task: TaskRecord,
  Agent: AgentRecord,
  Workspace: WorkspaceRecord,
  ApiKey: ApiKeyRecord,
  CommandRun: CommandRunRecord,
  ToolCall: ToolCallRecord,
  TaskEvent: TaskEventRecord,
  TaskMessage: TaskMessageRecord,
  SearchHistoryEntry: SearchHistoryRecord,
  Source: SourceRecord,
  Citation: CitationRecord,
  Secret: SecretRecord,
  Notification: NotificationRecord,
  NotificationSubscription: NotificationSubscriptionRecord,
  Channel: ChannelRecord,
  ChannelMessage: ChannelMessageRecord,
  FileChange: FileChangeRecord,
} as const;

/**
 * Records by id in every table at once: one primary-key lookup per table, sent together (ids
 * carry no type, and a miss costs an index probe).
 */
export class SqlNodeStore implements NodeStore {
  constructor(private readonly db: Database) {}

  async byIds(ids: readonly string[]): Promise<NodeRecord[]> {
    if (ids.length === 0) return [];
    const where = sql(`id in (${placeholders(ids.length)})`, ids);
    const found = await Promise.all(
      Object.entries(tables).map(async ([type, entity]) =>
        (await this.db.read.select(entity as typeof TaskRecord, where)).map((record) => ({ type, record })),
      ),
    );
    return found.flat() as NodeRecord[];
  }
}
