import { Migration } from '@mikro-orm/migrations';

export class Migration20261201200246_runtime extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "agent_run" ("task_id" uuid not null, "agent_id" uuid null, "step" int not null default 0, "message_seq" int not null default 0, "active_ms" int not null default 0, "repeat_key" varchar(200) null, "repeat_count" int not null default 0, "wait_reason" text null, "started_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "agent_run_pkey" primary key ("task_id"));`);

    this.addSql(`create table "run_message" ("id" uuid not null, "task_id" uuid not null, "seq" int not null, "role" varchar(16) not null, "content" text null, "data" jsonb null, "step" int not null, "created_at" timestamptz(3) not null, constraint "run_message_pkey" primary key ("id"));`);
    this.addSql(`alter table "run_message" add constraint "run_message_task_seq_unique" unique ("task_id", "seq");`);

    this.addSql(`create table "task_message" ("id" uuid not null, "task_id" uuid not null, "author" varchar(100) not null, "text" text not null, "created_at" timestamptz(3) not null, "delivered_at" timestamptz(3) null, constraint "task_message_pkey" primary key ("id"));`);
    this.addSql(`create index "task_message_pending_idx" on "task_message" ("task_id", "delivered_at", "id");`);

    this.addSql(`alter table "agent_run" add constraint "agent_run_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "run_message" add constraint "run_message_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "task_message" add constraint "task_message_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "agent" add column "model" varchar(1000) null, add column "instructions" text null, add column "tools" jsonb null, add column "requires_approval" boolean not null default false;`);

    this.addSql(`alter table "task" add column "model" varchar(1000) null, add column "requires_approval" boolean null, add column "paused_at" timestamptz(3) null, add column "pause_reason" text null, add column "approval_requested_at" timestamptz(3) null, add column "summary" text null;`);

    this.addSql(`create index "command_run_tool_call_idx" on "command_run" ("tool_call_id");`);

    this.addSql(`alter table "tool_call" add column "invocation_key" varchar(200) null;`);
    this.addSql(`alter table "tool_call" add constraint "tool_call_invocation_unique" unique ("invocation_key");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "agent_run" cascade;`);

    this.addSql(`drop table if exists "run_message" cascade;`);

    this.addSql(`drop table if exists "task_message" cascade;`);

    this.addSql(`alter table "agent" drop column "model", drop column "instructions", drop column "tools", drop column "requires_approval";`);

    this.addSql(`drop index "command_run_tool_call_idx";`);

    this.addSql(`alter table "task" drop column "model", drop column "requires_approval", drop column "paused_at", drop column "pause_reason", drop column "approval_requested_at", drop column "summary";`);

    this.addSql(`alter table "tool_call" drop constraint "tool_call_invocation_unique";`);
    this.addSql(`alter table "tool_call" drop column "invocation_key";`);
  }

}
