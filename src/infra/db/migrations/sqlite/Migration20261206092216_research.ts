import { Migration } from '@mikro-orm/migrations';

export class Migration20261206092216_research extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`source\` (\`id\` text not null, \`task_id\` text not null, \`workspace_id\` text not null, \`tool_call_id\` text null, \`url\` text not null, \`final_url\` text not null, \`title\` text not null, \`authors\` json not null, \`site_name\` text null, \`published_at\` datetime null, \`accessed_at\` datetime not null, \`content_type\` text not null, \`content_hash\` text not null, \`text_path\` text not null, \`created_at\` datetime not null, constraint \`source_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`source_task_id_index\` on \`source\` (\`task_id\`);`);
    this.addSql(`create index \`source_task_idx\` on \`source\` (\`task_id\`, \`id\`);`);

    this.addSql(`create table \`citation\` (\`id\` text not null, \`task_id\` text not null, \`research_id\` text not null, \`number\` integer not null, \`source_id\` text null, \`claim\` text not null, \`quote\` text not null, \`verified\` integer not null, \`problem\` text null, \`created_at\` datetime not null, constraint \`citation_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`citation_source_id_foreign\` foreign key(\`source_id\`) references \`source\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`citation_task_id_index\` on \`citation\` (\`task_id\`);`);
    this.addSql(`create index \`citation_source_id_index\` on \`citation\` (\`source_id\`);`);
    this.addSql(`create index \`citation_task_idx\` on \`citation\` (\`task_id\`, \`id\`);`);
    this.addSql(`create index \`citation_research_idx\` on \`citation\` (\`research_id\`, \`id\`);`);
  }

}
