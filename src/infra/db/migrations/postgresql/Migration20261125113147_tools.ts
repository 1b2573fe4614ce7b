import { Migration } from '@mikro-orm/migrations';

export class Migration20261125113147_tools extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "command_run" ("id" uuid not null, "tool_call_id" uuid null, "task_id" uuid null, "workspace_id" uuid not null, "program" varchar(255) not null, "args" jsonb not null, "status" varchar(16) not null, "exit_code" int null, "signal" varchar(16) null, "limit_name" varchar(16) null, "duration_ms" int null, "cpu_time_ms" int null, "max_rss_kb" int null, "stdout_bytes" int not null, "stderr_bytes" int not null, "truncated" boolean not null, "sandbox" varchar(8) not null, "output_seq" int not null, "created_at" timestamptz(3) not null, "finished_at" timestamptz(3) null, constraint "command_run_pkey" primary key ("id"));`);
    this.addSql(`create index "command_run_task_idx" on "command_run" ("task_id", "id");`);
    this.addSql(`create index "command_run_status_idx" on "command_run" ("status");`);

    this.addSql(`create table "command_output" ("id" uuid not null, "run_id" uuid not null, "seq" int not null, "stream" varchar(8) not null, "data" text not null, "created_at" timestamptz(3) not null, constraint "command_output_pkey" primary key ("id"));`);
    this.addSql(`alter table "command_output" add constraint "command_output_run_seq_unique" unique ("run_id", "seq");`);

    this.addSql(`create table "tool_call" ("id" uuid not null, "tool" varchar(64) not null, "task_id" uuid null, "workspace_id" uuid null, "caller_name" varchar(100) not null, "caller_key_id" uuid null, "caller_agent_id" uuid null, "input" jsonb null, "status" varchar(16) not null, "error_code" varchar(32) null, "error_message" text null, "started_at" timestamptz(3) not null, "finished_at" timestamptz(3) null, "duration_ms" int null, constraint "tool_call_pkey" primary key ("id"));`);
    this.addSql(`create index "tool_call_task_idx" on "tool_call" ("task_id", "id");`);

    this.addSql(`alter table "command_run" add constraint "command_run_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "command_output" add constraint "command_output_run_id_foreign" foreign key ("run_id") references "command_run" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tool_call" add constraint "tool_call_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "command_output" drop constraint "command_output_run_id_foreign";`);

    this.addSql(`drop table if exists "command_run" cascade;`);

    this.addSql(`drop table if exists "command_output" cascade;`);

    this.addSql(`drop table if exists "tool_call" cascade;`);
  }

}
