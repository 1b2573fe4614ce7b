import { Migration } from '@mikro-orm/migrations';

export class Migration20261206113104_github extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "secret" ("id" uuid not null, "name" varchar(100) not null, "kind" varchar(32) not null, "scope" varchar(16) not null, "scope_id" varchar(64) not null, "ciphertext" text not null, "wrapped_key" text not null, "master_key_id" varchar(32) not null, "last4" varchar(8) not null, "version" int not null default 1, "created_by" uuid null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "last_used_at" timestamptz(3) null, "last_used_by_tool_call_id" uuid null, "last_used_for" varchar(100) null, constraint "secret_pkey" primary key ("id"));`);
    this.addSql(`create index "secret_kind_idx" on "secret" ("kind", "scope", "scope_id");`);
    this.addSql(`create index "secret_master_key_idx" on "secret" ("master_key_id");`);
    this.addSql(`alter table "secret" add constraint "secret_name_scope_unique" unique ("scope", "scope_id", "name");`);

    this.addSql(`create table "task_link" ("id" uuid not null, "task_id" uuid not null, "kind" varchar(16) not null, "url" varchar(1000) not null, "repository" varchar(200) not null, "number" int null, "state" varchar(16) not null, "title" varchar(500) not null, "node_id" varchar(100) null, "branch" varchar(255) null, "sha" varchar(64) null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "task_link_pkey" primary key ("id"));`);
    this.addSql(`create index "task_link_repo_number_idx" on "task_link" ("repository", "number");`);
    this.addSql(`create index "task_link_task_idx" on "task_link" ("task_id", "id");`);
    this.addSql(`alter table "task_link" add constraint "task_link_task_url_unique" unique ("task_id", "url");`);

    this.addSql(`create table "webhook_delivery" ("id" varchar(100) not null, "event" varchar(64) not null, "outcome" varchar(32) not null, "received_at" timestamptz(3) not null, constraint "webhook_delivery_pkey" primary key ("id"));`);

    this.addSql(`alter table "task_link" add constraint "task_link_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "secret" cascade;`);

    this.addSql(`drop table if exists "task_link" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery" cascade;`);
  }

}
