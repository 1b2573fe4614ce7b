import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144423_delegation extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`task\` add column \`root_id\` text null;`);
    this.addSql(`alter table \`task\` add column \`depth\` integer not null default 0;`);
    this.addSql(`alter table \`task\` add column \`delegated_by\` text null;`);
    this.addSql(`alter table \`task\` add column \`shared_folder\` text null;`);
    this.addSql(`alter table \`task\` add column \`waiting_for\` json null;`);
    this.addSql(`alter table \`task\` add column \`wait_until\` datetime null;`);
    // Existing tasks: each one's root and depth from its parents (a root is its own root).
    this.addSql(`with recursive tree (id, root, lvl) as (select id, id, 0 from task where parent_id is null union all select child.id, tree.root, tree.lvl + 1 from task child join tree on child.parent_id = tree.id) update task set root_id = (select root from tree where tree.id = task.id), depth = coalesce((select lvl from tree where tree.id = task.id), 0);`);
    this.addSql(`update task set root_id = id where root_id is null;`);
    this.addSql(`create index \`task_root_idx\` on \`task\` (\`root_id\`);`);
  }

}
