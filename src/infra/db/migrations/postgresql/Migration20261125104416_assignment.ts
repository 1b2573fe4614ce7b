import { Migration } from '@mikro-orm/migrations';

export class Migration20261125104416_assignment extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "agent" add column "kind" varchar(16) not null default 'EXTERNAL', add column "max_concurrent_tasks" int not null default 1, add column "active_tasks" int not null default 0, add column "last_heartbeat_at" timestamptz(3) null;`);
    this.addSql(`create index "agent_assign_idx" on "agent" ("status", "last_active_at");`);
    this.addSql(`create index "agent_heartbeat_idx" on "agent" ("kind", "last_heartbeat_at");`);

    this.addSql(`alter table "task" add column "assigned_at" timestamptz(3) null;`);
    this.addSql(`create index "task_pending_idx" on "task" ("status", "priority", "id");`);

    // Existing rows take created_at as updated_at; then the column becomes NOT NULL.
    this.addSql(`alter table "workspace" add column "status" varchar(16) not null default 'CREATING', add column "error" text null, add column "updated_at" timestamptz(3) null;`);
    this.addSql(`update "workspace" set "updated_at" = "created_at";`);
    this.addSql(`alter table "workspace" alter column "updated_at" set not null;`);
    this.addSql(`create index "workspace_status_idx" on "workspace" ("status");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "agent_assign_idx";`);
    this.addSql(`drop index "agent_heartbeat_idx";`);
    this.addSql(`alter table "agent" drop column "kind", drop column "max_concurrent_tasks", drop column "active_tasks", drop column "last_heartbeat_at";`);

    this.addSql(`drop index "task_pending_idx";`);
    this.addSql(`alter table "task" drop column "assigned_at";`);

    this.addSql(`drop index "workspace_status_idx";`);
    this.addSql(`alter table "workspace" drop column "status", drop column "error", drop column "updated_at";`);
  }

}
