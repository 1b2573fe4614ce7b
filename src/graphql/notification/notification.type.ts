import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  notificationChannels,
  notificationEvents,
  type NotificationChannelKind,
  type NotificationEvent,
} from "../../domain/notifications/notification-terms.js";
import type { Json } from "../../domain/terms.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const NotificationChannelEnum = asEnum(notificationChannels);
export const NotificationEventEnum = asEnum(notificationEvents);

registerEnumType(NotificationChannelEnum, {
  name: "NotificationChannel",
  description: "How a subscription's notifications reach its owner.",
  valuesConfig: {
    EMAIL: { description: "An email to `address` (through the mail outbox)." },
    WEBHOOK: { description: "A signed JSON POST to `address`, an http(s) URL (through the webhook outbox)." },
    IN_APP: { description: "A Notification of the owner key: `notifications`, `notificationAdded`." },
  },
});

registerEnumType(NotificationEventEnum, {
  name: "NotificationEvent",
  description: "What a notification is about.",
  valuesConfig: {
    TASK_ASSIGNED: { description: "An agent took a task (automatically or by assignTask)." },
    NEEDS_APPROVAL: { description: "A task waits in REVIEW for approveTask or rejectTask." },
    TASK_COMPLETED: { description: "A task moved to COMPLETE." },
    TASK_FAILED: { description: "A task moved to FAILED." },
    TASK_PAUSED: { description: "A task was paused: by a person, a spent budget or a provider out of credits." },
    AGENT_OFFLINE: { description: "An agent went OFFLINE (it stopped sending heartbeats)." },
    REPORT_READY: { description: "A report (a PDF) of a task is ready." },
    MENTIONED: {
      description: "The subscription's own key was mentioned (@name, or in postMessage's mentions) in a channel.",
    },
  },
});

@ObjectType({ simpleResolvers: true, description: "Which tasks and agents a subscription is about." })
export class NotificationFilter {
  @Field(() => ID, { nullable: true, description: "Only tasks of this agent, and this agent's own events; null: any." })
  agentId!: string | null;

  @Field(() => ID, { nullable: true, description: "Only this task; null: any." })
  taskId!: string | null;

  @Field(() => Int, { nullable: true, description: "Only tasks of at least this priority (0 to 100); null: any." })
  minPriority!: number | null;
}

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "What the API key that owns it is told, and how (subscribeNotifications).",
})
export class NotificationSubscription {
  @Field(() => ID, { description: "Its id (UUIDv7): pass it to unsubscribeNotifications." })
  id!: string;

  @Field(() => ID, { description: "The API key that owns it and receives its notifications." })
  ownerKeyId!: string;

  @Field(() => NotificationChannelEnum, { description: "How its notifications are delivered." })
  channel!: NotificationChannelKind;

  @Field(() => String, { nullable: true, description: "The email address or webhook URL; null for IN_APP." })
  address!: string | null;

  @Field(() => [NotificationEventEnum], { description: "The events it wants." })
  events!: NotificationEvent[];

  @Field(() => NotificationFilter, { description: "Which tasks and agents it is about." })
  filter!: NotificationFilter;

  @Field(() => Date, { description: "When it was made." })
  createdAt!: Date;
}

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "An in-app notification of the calling API key (node(id) finds it for its owner only).",
})
export class Notification {
  @Field(() => ID, { description: "Its id (UUIDv7): pass it to markNotificationsRead." })
  id!: string;

  @Field(() => Int, {
    description: "1, 2, 3 … per owner key, with no gaps: pass the last one seen as notificationAdded's afterSeq.",
  })
  seq!: number;

  @Field(() => NotificationEventEnum, { description: "What it is about." })
  event!: NotificationEvent;

  @Field(() => ID, { nullable: true, description: "The task it is about; null for an agent's event." })
  taskId!: string | null;

  @Field(() => ID, { nullable: true, description: "The agent it is about, if any." })
  agentId!: string | null;

  @Field(() => String, { description: "One line, for a list." })
  title!: string;

  @Field(() => String, { description: "More: the note, reason or summary of the change (plain text)." })
  body!: string;

  @Field(() => GraphQLJSON, { description: "The change's details: taskId, eventSeq, status, from, to, reason." })
  data!: Json;

  @Field(() => Date, { nullable: true, description: "When it was marked read; null while unread." })
  readAt!: Date | null;

  @Field(() => Date, { description: "When it was recorded." })
  createdAt!: Date;
}

export const { Connection: NotificationConnection } = connectionTypes("Notification", Notification);
export const { Connection: NotificationSubscriptionConnection } = connectionTypes(
  "NotificationSubscription",
  NotificationSubscription,
);
