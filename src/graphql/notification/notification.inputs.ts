import { Field, ID, InputType, Int } from "type-graphql";
import type { NotificationChannelKind, NotificationEvent } from "../../domain/notifications/notification-terms.js";
import { NotificationChannelEnum, NotificationEventEnum } from "./notification.type.js";

@InputType({ description: "Which tasks and agents a subscription is about; every field left out matches any." })
export class NotificationFilterInput {
  @Field(() => ID, { nullable: true, description: "Only tasks of this agent (and its own events): an existing agent." })
  agentId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only this task: an existing task." })
  taskId?: string | null;

  @Field(() => Int, { nullable: true, description: "Only tasks of at least this priority, 0 to 100." })
  minPriority?: number | null;
}

@InputType({ description: "A new subscription of the calling API key. Every bad field is reported at once." })
export class SubscribeNotificationsInput {
  @Field(() => NotificationChannelEnum, { description: "How to deliver its notifications." })
  channel!: NotificationChannelKind;

  @Field(() => String, {
    nullable: true,
    description: "EMAIL: an email address; WEBHOOK: an http(s) URL without credentials; IN_APP: none.",
  })
  address?: string | null;

  @Field(() => [NotificationEventEnum], { description: "The events wanted: at least one." })
  events!: NotificationEvent[];

  @Field(() => NotificationFilterInput, { nullable: true, description: "Which tasks and agents; null: all." })
  filter?: NotificationFilterInput | null;

  @Field(() => String, {
    nullable: true,
    description:
      "WEBHOOK only: this subscription's own HMAC-SHA256 secret for X-Agent-Signature (16 to 1,024 characters), kept encrypted and never shown again; null: the WEBHOOK_SIGNING_SECRET of the task, its agent or GLOBAL signs.",
  })
  signingSecret?: string | null;
}
