import { Migration } from '@mikro-orm/migrations';

export class Migration20261125104415_assignment extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`agent\` add column \`kind\` text not null default 'EXTERNAL';`);
    this.addSql(`alter table \`agent\` add column \`max_concurrent_tasks\` integer not null default 1;`);
    this.addSql(`alter table \`agent\` add column \`active_tasks\` integer not null default 0;`);
    this.addSql(`alter table \`agent\` add column \`last_heartbeat_at\` datetime null;`);
    this.addSql(`create index \`agent_assign_idx\` on \`agent\` (\`status\`, \`last_active_at\`);`);
    this.addSql(`create index \`agent_heartbeat_idx\` on \`agent\` (\`kind\`, \`last_heartbeat_at\`);`);

    this.addSql(`alter table \`task\` add column \`assigned_at\` datetime null;`);
    this.addSql(`create index \`task_pending_idx\` on \`task\` (\`status\`, \`priority\`, \`id\`);`);

    // SQLite cannot add a NOT NULL column without a default, so the table is rebuilt (nothing
    // references it); existing rows take created_at as updated_at.
    this.addSql(`create table \`workspace__temp_alter\` (\`id\` text not null, \`path\` text not null, \`task_id\` text not null, \`agent_id\` text not null, \`status\` text not null default 'CREATING', \`error\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`workspace_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`workspace_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`insert into \`workspace__temp_alter\` select \`id\`, \`path\`, \`task_id\`, \`agent_id\`, 'READY', null, \`created_at\`, \`created_at\` from \`workspace\`;`);
    this.addSql(`drop table \`workspace\`;`);
    this.addSql(`alter table \`workspace__temp_alter\` rename to \`workspace\`;`);
    this.addSql(`create index \`workspace_task_id_index\` on \`workspace\` (\`task_id\`);`);
    this.addSql(`create unique index \`workspace_task_unique\` on \`workspace\` (\`task_id\`);`);
    this.addSql(`create index \`workspace_agent_idx\` on \`workspace\` (\`agent_id\`);`);
    this.addSql(`create index \`workspace_status_idx\` on \`workspace\` (\`status\`);`);
  }

}
