import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144548_shared_files extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "file_lock" ("id" uuid not null, "workspace_id" uuid not null, "path" varchar(4096) not null, "holder_key" varchar(200) not null, "holder_name" varchar(100) not null, "holder_agent_id" uuid null, "task_id" uuid null, "tool_call_id" uuid null, "expires_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "file_lock_pkey" primary key ("id"));`);
    this.addSql(`create index "file_lock_expiry_idx" on "file_lock" ("workspace_id", "expires_at");`);
    this.addSql(`alter table "file_lock" add constraint "file_lock_workspace_path_unique" unique ("workspace_id", "path");`);

    this.addSql(`create table "file_change" ("id" uuid not null, "workspace_id" uuid not null, "kind" varchar(16) not null, "path" varchar(4096) not null, "from_path" varchar(4096) null, "agent_id" uuid null, "caller_name" varchar(100) not null, "tool_call_id" uuid null, "task_id" uuid null, "version" varchar(80) null, "size_bytes" int null, "sha256" varchar(64) null, "at" timestamptz(3) not null, constraint "file_change_pkey" primary key ("id"));`);
    this.addSql(`create index "file_change_workspace_idx" on "file_change" ("workspace_id", "id");`);

    this.addSql(`alter table "file_lock" add constraint "file_lock_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "file_change" add constraint "file_change_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "file_lock" cascade;`);

    this.addSql(`drop table if exists "file_change" cascade;`);
  }

}
