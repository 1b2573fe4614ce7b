import { Migration } from '@mikro-orm/migrations';

export class Migration20261125122317_usage extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`model_call\` (\`id\` text not null, \`task_id\` text null, \`agent_id\` text null, \`model\` text not null, \`provider\` text null, \`attempt\` integer not null, \`outcome\` text not null, \`error_kind\` text null, \`prompt_tokens\` integer not null default 0, \`completion_tokens\` integer not null default 0, \`cached_tokens\` integer not null default 0, \`reasoning_tokens\` integer not null default 0, \`cost_usd\` double not null default 0, \`latency_ms\` integer not null, \`created_at\` datetime not null, constraint \`model_call_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`model_call_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`model_call_task_id_index\` on \`model_call\` (\`task_id\`);`);
    this.addSql(`create index \`model_call_agent_id_index\` on \`model_call\` (\`agent_id\`);`);
    this.addSql(`create index \`model_call_task_idx\` on \`model_call\` (\`task_id\`, \`created_at\`);`);
    this.addSql(`create index \`model_call_agent_idx\` on \`model_call\` (\`agent_id\`, \`created_at\`);`);
    this.addSql(`create index \`model_call_created_idx\` on \`model_call\` (\`created_at\`);`);

    this.addSql(`alter table \`task\` add column \`max_cost_usd\` double null;`);
    this.addSql(`alter table \`task\` add column \`max_tokens\` integer null;`);
  }

}
