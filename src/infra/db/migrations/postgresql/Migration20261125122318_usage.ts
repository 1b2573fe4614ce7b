import { Migration } from '@mikro-orm/migrations';

export class Migration20261125122318_usage extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "model_call" ("id" uuid not null, "task_id" uuid null, "agent_id" uuid null, "model" varchar(200) not null, "provider" varchar(100) null, "attempt" int not null, "outcome" varchar(16) not null, "error_kind" varchar(64) null, "prompt_tokens" int not null default 0, "completion_tokens" int not null default 0, "cached_tokens" int not null default 0, "reasoning_tokens" int not null default 0, "cost_usd" double precision not null default 0, "latency_ms" int not null, "created_at" timestamptz(3) not null, constraint "model_call_pkey" primary key ("id"));`);
    this.addSql(`create index "model_call_task_idx" on "model_call" ("task_id", "created_at");`);
    this.addSql(`create index "model_call_agent_idx" on "model_call" ("agent_id", "created_at");`);
    this.addSql(`create index "model_call_created_idx" on "model_call" ("created_at");`);

    this.addSql(`alter table "model_call" add constraint "model_call_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "model_call" add constraint "model_call_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "task" add column "max_cost_usd" double precision null, add column "max_tokens" int null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "model_call" cascade;`);

    this.addSql(`alter table "task" drop column "max_cost_usd", drop column "max_tokens";`);
  }

}
