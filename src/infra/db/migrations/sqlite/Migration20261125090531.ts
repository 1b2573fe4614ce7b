import { Migration } from '@mikro-orm/migrations';

export class Migration20261125090531 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`agent\` (\`id\` text not null, \`name\` text not null, \`status\` text not null, \`min_complexity\` integer not null, \`max_complexity\` integer not null, \`last_active_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`agent_name_unique\` on \`agent\` (\`name\`);`);
    this.addSql(`create index \`agent_status_idx\` on \`agent\` (\`status\`, \`id\`);`);

    this.addSql(`create table \`api_key\` (\`id\` text not null, \`name\` text not null, \`role\` text not null, \`key_hash\` text not null, \`prefix\` text not null, \`agent_id\` text null, \`source\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, constraint \`api_key_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`api_key_hash_unique\` on \`api_key\` (\`key_hash\`);`);
    this.addSql(`create index \`api_key_agent_id_index\` on \`api_key\` (\`agent_id\`);`);
    this.addSql(`create index \`api_key_role_idx\` on \`api_key\` (\`role\`, \`revoked_at\`);`);

    this.addSql(`create table \`task\` (\`id\` text not null, \`title\` text not null, \`description\` text not null, \`complexity\` integer not null, \`priority\` integer not null, \`status\` text not null, \`assigned_agent_id\` text null, \`parent_id\` text null, \`event_seq\` integer not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`task_assigned_agent_id_foreign\` foreign key(\`assigned_agent_id\`) references \`agent\`(\`id\`) on delete set null on update cascade, constraint \`task_parent_id_foreign\` foreign key(\`parent_id\`) references \`task\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`task_assigned_agent_id_index\` on \`task\` (\`assigned_agent_id\`);`);
    this.addSql(`create index \`task_status_idx\` on \`task\` (\`status\`, \`id\`);`);
    this.addSql(`create index \`task_agent_idx\` on \`task\` (\`assigned_agent_id\`, \`id\`);`);
    this.addSql(`create index \`task_parent_idx\` on \`task\` (\`parent_id\`);`);

    this.addSql(`create table \`task_event\` (\`id\` text not null, \`task_id\` text not null, \`seq\` integer not null, \`type\` text not null, \`content\` text not null, \`data\` json null, \`agent_id\` text null, \`created_at\` datetime not null, constraint \`task_event_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`task_event_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`task_event_task_id_index\` on \`task_event\` (\`task_id\`);`);
    this.addSql(`create index \`task_event_agent_id_index\` on \`task_event\` (\`agent_id\`);`);
    this.addSql(`create unique index \`task_event_task_seq_unique\` on \`task_event\` (\`task_id\`, \`seq\`);`);

    this.addSql(`create table \`workspace\` (\`id\` text not null, \`path\` text not null, \`task_id\` text not null, \`agent_id\` text not null, \`created_at\` datetime not null, constraint \`workspace_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`workspace_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`workspace_task_id_index\` on \`workspace\` (\`task_id\`);`);
    this.addSql(`create unique index \`workspace_task_unique\` on \`workspace\` (\`task_id\`);`);
    this.addSql(`create index \`workspace_agent_idx\` on \`workspace\` (\`agent_id\`);`);
  }

}
