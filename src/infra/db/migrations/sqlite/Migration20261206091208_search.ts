import { Migration } from '@mikro-orm/migrations';

export class Migration20261206091208_search extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`search_backoff\` (\`engine\` text not null, \`until\` datetime not null, \`strikes\` integer not null, \`updated_at\` datetime not null, primary key (\`engine\`));`);

    this.addSql(`create table \`search_bucket\` (\`key\` text not null, \`tokens\` double not null, \`updated_at\` datetime not null, primary key (\`key\`));`);

    this.addSql(`create table \`search_cache\` (\`key\` text not null, \`query\` text not null, \`region\` text not null, \`safe_search\` text not null, \`page\` integer not null, \`results\` json not null, \`next_page\` json null, \`created_at\` datetime not null, \`expires_at\` datetime not null, primary key (\`key\`));`);
    this.addSql(`create index \`search_cache_expires_idx\` on \`search_cache\` (\`expires_at\`);`);

    this.addSql(`create table \`search_history\` (\`id\` text not null, \`task_id\` text not null, \`workspace_id\` text not null, \`agent_id\` text not null, \`tool_call_id\` text null, \`caller_name\` text not null, \`caller_key_id\` text null, \`query\` text not null, \`region\` text not null, \`safe_search\` text not null, \`page\` integer not null, \`result_count\` integer not null, \`cache_hit\` integer not null, \`engine_requests\` integer not null, \`latency_ms\` integer not null, \`outcome\` text not null, \`error_message\` text null, \`created_at\` datetime not null, constraint \`search_history_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`search_history_task_id_index\` on \`search_history\` (\`task_id\`);`);
    this.addSql(`create index \`search_history_task_idx\` on \`search_history\` (\`task_id\`, \`id\`);`);
    this.addSql(`create index \`search_history_agent_idx\` on \`search_history\` (\`agent_id\`, \`id\`);`);
  }

}
