import { Migration } from '@mikro-orm/migrations';

export class Migration20261206091208_search extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "search_backoff" ("engine" varchar(32) not null, "until" timestamptz(3) not null, "strikes" int not null, "updated_at" timestamptz(3) not null, constraint "search_backoff_pkey" primary key ("engine"));`);

    this.addSql(`create table "search_bucket" ("key" varchar(100) not null, "tokens" double precision not null, "updated_at" timestamptz(3) not null, constraint "search_bucket_pkey" primary key ("key"));`);

    this.addSql(`create table "search_cache" ("key" varchar(64) not null, "query" text not null, "region" varchar(16) not null, "safe_search" varchar(16) not null, "page" int not null, "results" jsonb not null, "next_page" jsonb null, "created_at" timestamptz(3) not null, "expires_at" timestamptz(3) not null, constraint "search_cache_pkey" primary key ("key"));`);
    this.addSql(`create index "search_cache_expires_idx" on "search_cache" ("expires_at");`);

    this.addSql(`create table "search_history" ("id" uuid not null, "task_id" uuid not null, "workspace_id" uuid not null, "agent_id" uuid not null, "tool_call_id" uuid null, "caller_name" varchar(100) not null, "caller_key_id" uuid null, "query" text not null, "region" varchar(16) not null, "safe_search" varchar(16) not null, "page" int not null, "result_count" int not null, "cache_hit" boolean not null, "engine_requests" int not null, "latency_ms" int not null, "outcome" varchar(32) not null, "error_message" text null, "created_at" timestamptz(3) not null, constraint "search_history_pkey" primary key ("id"));`);
    this.addSql(`create index "search_history_task_idx" on "search_history" ("task_id", "id");`);
    this.addSql(`create index "search_history_agent_idx" on "search_history" ("agent_id", "id");`);

    this.addSql(`alter table "search_history" add constraint "search_history_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "search_backoff" cascade;`);

    this.addSql(`drop table if exists "search_bucket" cascade;`);

    this.addSql(`drop table if exists "search_cache" cascade;`);

    this.addSql(`drop table if exists "search_history" cascade;`);
  }

}
