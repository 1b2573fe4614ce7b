import { Migration } from '@mikro-orm/migrations';

export class Migration20261206131605_Notifications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notification_subscription" ("id" uuid not null, "owner_key_id" uuid not null, "channel" varchar(16) not null, "address" varchar(2048) null, "events" jsonb not null, "agent_id" uuid null, "task_id" uuid null, "min_priority" int null, "secret_id" uuid null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "notification_subscription_pkey" primary key ("id"));`);
    this.addSql(`create index "notification_subscription_owner_idx" on "notification_subscription" ("owner_key_id", "id");`);

    this.addSql(`create table "notification" ("id" uuid not null, "owner_key_id" uuid not null, "seq" int not null, "subscription_id" uuid null, "dedupe_key" varchar(200) not null, "event" varchar(32) not null, "task_id" uuid null, "agent_id" uuid null, "title" varchar(500) not null, "body" text not null, "data" jsonb not null, "read_at" timestamptz(3) null, "created_at" timestamptz(3) not null, constraint "notification_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification" add constraint "notification_dedupe_unique" unique ("dedupe_key");`);
    this.addSql(`create index "notification_owner_unread_idx" on "notification" ("owner_key_id", "read_at");`);
    this.addSql(`alter table "notification" add constraint "notification_owner_seq_unique" unique ("owner_key_id", "seq");`);

    this.addSql(`create table "notification_delivery" ("dedupe_key" varchar(200) not null, "subscription_id" uuid not null, "created_at" timestamptz(3) not null, constraint "notification_delivery_pkey" primary key ("dedupe_key"));`);

    this.addSql(`alter table "notification_subscription" add constraint "notification_subscription_owner_key_id_foreign" foreign key ("owner_key_id") references "api_key" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification_subscription" add constraint "notification_subscription_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification_subscription" add constraint "notification_subscription_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification_subscription" add constraint "notification_subscription_secret_id_foreign" foreign key ("secret_id") references "secret" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "notification" add constraint "notification_owner_key_id_foreign" foreign key ("owner_key_id") references "api_key" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification" add constraint "notification_subscription_id_foreign" foreign key ("subscription_id") references "notification_subscription" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "notification_delivery" add constraint "notification_delivery_subscription_id_foreign" foreign key ("subscription_id") references "notification_subscription" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification" drop constraint "notification_subscription_id_foreign";`);

    this.addSql(`alter table "notification_delivery" drop constraint "notification_delivery_subscription_id_foreign";`);

    this.addSql(`drop table if exists "notification_subscription" cascade;`);

    this.addSql(`drop table if exists "notification" cascade;`);

    this.addSql(`drop table if exists "notification_delivery" cascade;`);
  }

}
