import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144443_channels extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "channel" ("id" uuid not null, "kind" varchar(16) not null, "name" varchar(100) not null, "description" text not null, "task_id" uuid null, "message_seq" int not null default 0, "created_by_key_id" uuid null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "channel_pkey" primary key ("id"));`);
    this.addSql(`alter table "channel" add constraint "channel_name_unique" unique ("name");`);
    this.addSql(`alter table "channel" add constraint "channel_task_unique" unique ("task_id");`);
    this.addSql(`create index "channel_kind_idx" on "channel" ("kind", "id");`);

    this.addSql(`create table "channel_message" ("id" uuid not null, "channel_id" uuid not null, "seq" int not null, "author_name" varchar(100) not null, "author_agent_id" uuid null, "author_key_id" uuid null, "text" text not null, "mentions" jsonb not null, "reply_to_id" uuid null, "created_at" timestamptz(3) not null, constraint "channel_message_pkey" primary key ("id"));`);
    this.addSql(`alter table "channel_message" add constraint "channel_message_seq_unique" unique ("channel_id", "seq");`);

    this.addSql(`create table "channel_member" ("id" uuid not null, "channel_id" uuid not null, "agent_id" uuid null, "api_key_id" uuid null, "created_at" timestamptz(3) not null, constraint "channel_member_pkey" primary key ("id"));`);
    this.addSql(`create index "channel_member_agent_idx" on "channel_member" ("agent_id");`);
    this.addSql(`create index "channel_member_key_idx" on "channel_member" ("api_key_id");`);
    this.addSql(`alter table "channel_member" add constraint "channel_member_agent_unique" unique ("channel_id", "agent_id");`);
    this.addSql(`alter table "channel_member" add constraint "channel_member_key_unique" unique ("channel_id", "api_key_id");`);

    this.addSql(`alter table "channel" add constraint "channel_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "channel_message" add constraint "channel_message_channel_id_foreign" foreign key ("channel_id") references "channel" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "channel_member" add constraint "channel_member_channel_id_foreign" foreign key ("channel_id") references "channel" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "channel_member" add constraint "channel_member_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "channel_member" add constraint "channel_member_api_key_id_foreign" foreign key ("api_key_id") references "api_key" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "channel_message" drop constraint "channel_message_channel_id_foreign";`);

    this.addSql(`alter table "channel_member" drop constraint "channel_member_channel_id_foreign";`);

    this.addSql(`drop table if exists "channel" cascade;`);

    this.addSql(`drop table if exists "channel_message" cascade;`);

    this.addSql(`drop table if exists "channel_member" cascade;`);
  }

}
