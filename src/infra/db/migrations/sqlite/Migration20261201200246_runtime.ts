import { Migration } from '@mikro-orm/migrations';

export class Migration20261201200246_runtime extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`agent_run\` (\`task_id\` text not null, \`agent_id\` text null, \`step\` integer not null default 0, \`message_seq\` integer not null default 0, \`active_ms\` integer not null default 0, \`repeat_key\` text null, \`repeat_count\` integer not null default 0, \`wait_reason\` text null, \`started_at\` datetime not null, \`updated_at\` datetime not null, constraint \`agent_run_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete set null on update cascade, primary key (\`task_id\`));`);
    this.addSql(`create index \`agent_run_agent_id_index\` on \`agent_run\` (\`agent_id\`);`);

    this.addSql(`create table \`run_message\` (\`id\` text not null, \`task_id\` text not null, \`seq\` integer not null, \`role\` text not null, \`content\` text null, \`data\` json null, \`step\` integer not null, \`created_at\` datetime not null, constraint \`run_message_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`run_message_task_id_index\` on \`run_message\` (\`task_id\`);`);
    this.addSql(`create unique index \`run_message_task_seq_unique\` on \`run_message\` (\`task_id\`, \`seq\`);`);

    this.addSql(`create table \`task_message\` (\`id\` text not null, \`task_id\` text not null, \`author\` text not null, \`text\` text not null, \`created_at\` datetime not null, \`delivered_at\` datetime null, constraint \`task_message_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`task_message_task_id_index\` on \`task_message\` (\`task_id\`);`);
    this.addSql(`create index \`task_message_pending_idx\` on \`task_message\` (\`task_id\`, \`delivered_at\`, \`id\`);`);

    this.addSql(`alter table \`agent\` add column \`model\` text null;`);
    this.addSql(`alter table \`agent\` add column \`instructions\` text null;`);
    this.addSql(`alter table \`agent\` add column \`tools\` json null;`);
    this.addSql(`alter table \`agent\` add column \`requires_approval\` integer not null default false;`);

    this.addSql(`alter table \`task\` add column \`model\` text null;`);
    this.addSql(`alter table \`task\` add column \`requires_approval\` integer null;`);
    this.addSql(`alter table \`task\` add column \`paused_at\` datetime null;`);
    this.addSql(`alter table \`task\` add column \`pause_reason\` text null;`);
    this.addSql(`alter table \`task\` add column \`approval_requested_at\` datetime null;`);
    this.addSql(`alter table \`task\` add column \`summary\` text null;`);

    this.addSql(`create index \`command_run_tool_call_idx\` on \`command_run\` (\`tool_call_id\`);`);

    this.addSql(`alter table \`tool_call\` add column \`invocation_key\` text null;`);
    this.addSql(`create unique index \`tool_call_invocation_unique\` on \`tool_call\` (\`invocation_key\`);`);
  }

}
