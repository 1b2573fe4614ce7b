import { Migration } from '@mikro-orm/migrations';

export class Migration20261125090531 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "agent" ("id" uuid not null, "name" varchar(100) not null, "status" varchar(16) not null, "min_complexity" int not null, "max_complexity" int not null, "last_active_at" timestamptz(3) null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "agent_pkey" primary key ("id"));`);
    this.addSql(`alter table "agent" add constraint "agent_name_unique" unique ("name");`);
    this.addSql(`create index "agent_status_idx" on "agent" ("status", "id");`);

    this.addSql(`create table "api_key" ("id" uuid not null, "name" varchar(100) not null, "role" varchar(16) not null, "key_hash" varchar(64) not null, "prefix" varchar(16) not null, "agent_id" uuid null, "source" varchar(8) not null, "created_at" timestamptz(3) not null, "last_used_at" timestamptz(3) null, "revoked_at" timestamptz(3) null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_key" add constraint "api_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_key_role_idx" on "api_key" ("role", "revoked_at");`);

    this.addSql(`create table "task" ("id" uuid not null, "title" varchar(200) not null, "description" text not null, "complexity" int not null, "priority" int not null, "status" varchar(16) not null, "assigned_agent_id" uuid null, "parent_id" uuid null, "event_seq" int not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "task_pkey" primary key ("id"));`);
    this.addSql(`create index "task_status_idx" on "task" ("status", "id");`);
    this.addSql(`create index "task_agent_idx" on "task" ("assigned_agent_id", "id");`);
    this.addSql(`create index "task_parent_idx" on "task" ("parent_id");`);

    this.addSql(`create table "task_event" ("id" uuid not null, "task_id" uuid not null, "seq" int not null, "type" varchar(32) not null, "content" text not null, "data" jsonb null, "agent_id" uuid null, "created_at" timestamptz(3) not null, constraint "task_event_pkey" primary key ("id"));`);
    this.addSql(`alter table "task_event" add constraint "task_event_task_seq_unique" unique ("task_id", "seq");`);

    this.addSql(`create table "workspace" ("id" uuid not null, "path" varchar(1024) not null, "task_id" uuid not null, "agent_id" uuid not null, "created_at" timestamptz(3) not null, constraint "workspace_pkey" primary key ("id"));`);
    this.addSql(`alter table "workspace" add constraint "workspace_task_unique" unique ("task_id");`);
    this.addSql(`create index "workspace_agent_idx" on "workspace" ("agent_id");`);

    this.addSql(`alter table "api_key" add constraint "api_key_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "task" add constraint "task_assigned_agent_id_foreign" foreign key ("assigned_agent_id") references "agent" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_parent_id_foreign" foreign key ("parent_id") references "task" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "task_event" add constraint "task_event_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_event" add constraint "task_event_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "workspace" add constraint "workspace_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "workspace" add constraint "workspace_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_key" drop constraint "api_key_agent_id_foreign";`);

    this.addSql(`alter table "task" drop constraint "task_assigned_agent_id_foreign";`);

    this.addSql(`alter table "task_event" drop constraint "task_event_agent_id_foreign";`);

    this.addSql(`alter table "workspace" drop constraint "workspace_agent_id_foreign";`);

    this.addSql(`alter table "task" drop constraint "task_parent_id_foreign";`);

    this.addSql(`alter table "task_event" drop constraint "task_event_task_id_foreign";`);

    this.addSql(`alter table "workspace" drop constraint "workspace_task_id_foreign";`);

    this.addSql(`drop table if exists "agent" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "task" cascade;`);

    this.addSql(`drop table if exists "task_event" cascade;`);

    this.addSql(`drop table if exists "workspace" cascade;`);
  }

}
