import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144559_AgentEmailRecipients extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop table if exists "notification_delivery" cascade;`);

    this.addSql(`alter table "agent" add column "email_recipients" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create table "notification_delivery" ("dedupe_key" varchar(200) not null, "subscription_id" uuid not null, "created_at" timestamptz(3) not null, constraint "notification_delivery_pkey" primary key ("dedupe_key"));`);

    this.addSql(`alter table "notification_delivery" add constraint "notification_delivery_subscription_id_foreign" foreign key ("subscription_id") references "notification_subscription" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "agent" drop column "email_recipients";`);
  }

}
