import { EntitySchema } from "@mikro-orm/core";
import {
  AgentRecord,
  ApiKeyRecord,
  ChannelMemberRecord,
  ChannelMessageRecord,
  ChannelRecord,
  TaskRecord,
} from "../../domain/records.js";

/** A foreign key deleted with its target (as entities.ts's `ref`). */
const cascadeRef = (entity: () => unknown, fieldName: string, opts: { nullable?: boolean; unique?: string } = {}) =>
  ({ kind: "m:1", entity, mapToPk: true, fieldName, deleteRule: "cascade", ...opts }) as never;

export const ChannelSchema = new EntitySchema<ChannelRecord>({
  class: ChannelRecord,
  tableName: "channel",
  properties: {
    id: { type: "uuid", primary: true },
    kind: { type: "string", length: 16 },
    name: { type: "string", length: 100, unique: "channel_name_unique" },
    description: { type: "text" },
    taskId: cascadeRef(() => TaskRecord, "task_id", { nullable: true, unique: "channel_task_unique" }),
    messageSeq: { type: "integer", fieldName: "message_seq", default: 0 },
    createdByKeyId: { type: "uuid", nullable: true, fieldName: "created_by_key_id" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    updatedAt: { type: "datetime", length: 3, fieldName: "updated_at" },
  },
  indexes: [{ name: "channel_kind_idx", properties: ["kind", "id"] }],
});

export const ChannelMemberSchema = new EntitySchema<ChannelMemberRecord>({
  class: ChannelMemberRecord,
  tableName: "channel_member",
  properties: {
    id: { type: "uuid", primary: true },
    channelId: cascadeRef(() => ChannelRecord, "channel_id"),
    agentId: cascadeRef(() => AgentRecord, "agent_id", { nullable: true }),
    apiKeyId: cascadeRef(() => ApiKeyRecord, "api_key_id", { nullable: true }),
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [
    { name: "channel_member_agent_unique", properties: ["channelId", "agentId"] },
    { name: "channel_member_key_unique", properties: ["channelId", "apiKeyId"] },
  ],
  indexes: [
    { name: "channel_member_agent_idx", properties: ["agentId"] },
    { name: "channel_member_key_idx", properties: ["apiKeyId"] },
  ],
});

export const ChannelMessageSchema = new EntitySchema<ChannelMessageRecord>({
  class: ChannelMessageRecord,
  tableName: "channel_message",
  properties: {
    id: { type: "uuid", primary: true },
    channelId: cascadeRef(() => ChannelRecord, "channel_id"),
    seq: { type: "integer" },
    authorName: { type: "string", length: 100, fieldName: "author_name" },
    authorAgentId: { type: "uuid", nullable: true, fieldName: "author_agent_id" },
    authorKeyId: { type: "uuid", nullable: true, fieldName: "author_key_id" },
    text: { type: "text" },
    mentions: { type: "json" },
    replyToId: { type: "uuid", nullable: true, fieldName: "reply_to_id" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "channel_message_seq_unique", properties: ["channelId", "seq"] }],
});

export const channelEntities = [ChannelSchema, ChannelMemberSchema, ChannelMessageSchema];
