import { Migration } from '@mikro-orm/migrations';

export class Migration20261206092217_research extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "source" ("id" uuid not null, "task_id" uuid not null, "workspace_id" uuid not null, "tool_call_id" uuid null, "url" text not null, "final_url" text not null, "title" varchar(500) not null, "authors" jsonb not null, "site_name" varchar(200) null, "published_at" timestamptz(3) null, "accessed_at" timestamptz(3) not null, "content_type" varchar(100) not null, "content_hash" varchar(64) not null, "text_path" varchar(1000) not null, "created_at" timestamptz(3) not null, constraint "source_pkey" primary key ("id"));`);
    this.addSql(`create index "source_task_idx" on "source" ("task_id", "id");`);

    this.addSql(`create table "citation" ("id" uuid not null, "task_id" uuid not null, "research_id" uuid not null, "number" int not null, "source_id" uuid null, "claim" text not null, "quote" text not null, "verified" boolean not null, "problem" text null, "created_at" timestamptz(3) not null, constraint "citation_pkey" primary key ("id"));`);
    this.addSql(`create index "citation_task_idx" on "citation" ("task_id", "id");`);
    this.addSql(`create index "citation_research_idx" on "citation" ("research_id", "id");`);

    this.addSql(`alter table "source" add constraint "source_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "citation" add constraint "citation_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "citation" add constraint "citation_source_id_foreign" foreign key ("source_id") references "source" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "citation" drop constraint "citation_source_id_foreign";`);

    this.addSql(`drop table if exists "source" cascade;`);

    this.addSql(`drop table if exists "citation" cascade;`);
  }

}
