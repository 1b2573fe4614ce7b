import { Migration } from '@mikro-orm/migrations';

export class Migration20261125113147_tools extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`command_run\` (\`id\` text not null, \`tool_call_id\` text null, \`task_id\` text null, \`workspace_id\` text not null, \`program\` text not null, \`args\` json not null, \`status\` text not null, \`exit_code\` integer null, \`signal\` text null, \`limit_name\` text null, \`duration_ms\` integer null, \`cpu_time_ms\` integer null, \`max_rss_kb\` integer null, \`stdout_bytes\` integer not null, \`stderr_bytes\` integer not null, \`truncated\` integer not null, \`sandbox\` text not null, \`output_seq\` integer not null, \`created_at\` datetime not null, \`finished_at\` datetime null, constraint \`command_run_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`command_run_task_id_index\` on \`command_run\` (\`task_id\`);`);
    this.addSql(`create index \`command_run_task_idx\` on \`command_run\` (\`task_id\`, \`id\`);`);
    this.addSql(`create index \`command_run_status_idx\` on \`command_run\` (\`status\`);`);

    this.addSql(`create table \`command_output\` (\`id\` text not null, \`run_id\` text not null, \`seq\` integer not null, \`stream\` text not null, \`data\` text not null, \`created_at\` datetime not null, constraint \`command_output_run_id_foreign\` foreign key(\`run_id\`) references \`command_run\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`command_output_run_id_index\` on \`command_output\` (\`run_id\`);`);
    this.addSql(`create unique index \`command_output_run_seq_unique\` on \`command_output\` (\`run_id\`, \`seq\`);`);

    this.addSql(`create table \`tool_call\` (\`id\` text not null, \`tool\` text not null, \`task_id\` text null, \`workspace_id\` text null, \`caller_name\` text not null, \`caller_key_id\` text null, \`caller_agent_id\` text null, \`input\` json null, \`status\` text not null, \`error_code\` text null, \`error_message\` text null, \`started_at\` datetime not null, \`finished_at\` datetime null, \`duration_ms\` integer null, constraint \`tool_call_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`tool_call_task_id_index\` on \`tool_call\` (\`task_id\`);`);
    this.addSql(`create index \`tool_call_task_idx\` on \`tool_call\` (\`task_id\`, \`id\`);`);
  }

}
