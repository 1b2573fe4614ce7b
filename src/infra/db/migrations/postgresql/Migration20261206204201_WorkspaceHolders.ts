import { Migration } from '@mikro-orm/migrations';

export class Migration20261206204201_WorkspaceHolders extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "workspace_chunk" ("request_id" uuid not null, "direction" varchar(3) not null, "seq" int not null, "data" bytea not null, constraint "workspace_chunk_pkey" primary key ("request_id", "direction", "seq"));`);

    this.addSql(`create table "workspace_holder" ("id" varchar(64) not null, "name" varchar(255) not null, "started_at" timestamptz(3) not null, "heartbeat_at" timestamptz(3) not null, constraint "workspace_holder_pkey" primary key ("id"));`);

    this.addSql(`create table "workspace_request" ("id" uuid not null, "holder_id" varchar(64) not null, "op" varchar(64) not null, "state" varchar(16) not null, "input" text not null, "in_chunks" int not null, "result" text null, "out_chunks" int null, "created_at" timestamptz(3) not null, constraint "workspace_request_pkey" primary key ("id"));`);
    this.addSql(`create index "workspace_request_holder_idx" on "workspace_request" ("holder_id", "state");`);

    this.addSql(`alter table "workspace" add column "holder_id" varchar(64) null;`);
    this.addSql(`create index "workspace_holder_idx" on "workspace" ("holder_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "workspace_chunk" cascade;`);

    this.addSql(`drop table if exists "workspace_holder" cascade;`);

    this.addSql(`drop table if exists "workspace_request" cascade;`);

    this.addSql(`drop index "workspace_holder_idx";`);
    this.addSql(`alter table "workspace" drop column "holder_id";`);
  }

}
