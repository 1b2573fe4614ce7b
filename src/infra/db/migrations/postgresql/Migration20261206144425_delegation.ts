import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144425_delegation extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "task" add column "root_id" uuid null, add column "depth" int not null default 0, add column "delegated_by" uuid null, add column "shared_folder" varchar(1024) null, add column "waiting_for" jsonb null, add column "wait_until" timestamptz(3) null;`);
    // Existing tasks: each one's root and depth from its parents (a root is its own root).
    this.addSql(`with recursive tree (id, root, lvl) as (select id, id, 0 from task where parent_id is null union all select child.id, tree.root, tree.lvl + 1 from task child join tree on child.parent_id = tree.id) update task set root_id = (select root from tree where tree.id = task.id), depth = coalesce((select lvl from tree where tree.id = task.id), 0);`);
    this.addSql(`update task set root_id = id where root_id is null;`);
    this.addSql(`create index "task_root_idx" on "task" ("root_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "task_root_idx";`);
    this.addSql(`alter table "task" drop column "root_id", drop column "depth", drop column "delegated_by", drop column "shared_folder", drop column "waiting_for", drop column "wait_until";`);
  }

}
