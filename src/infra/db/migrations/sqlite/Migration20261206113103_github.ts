import { Migration } from '@mikro-orm/migrations';

export class Migration20261206113103_github extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`secret\` (\`id\` text not null, \`name\` text not null, \`kind\` text not null, \`scope\` text not null, \`scope_id\` text not null, \`ciphertext\` text not null, \`wrapped_key\` text not null, \`master_key_id\` text not null, \`last4\` text not null, \`version\` integer not null default 1, \`created_by\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`last_used_at\` datetime null, \`last_used_by_tool_call_id\` text null, \`last_used_for\` text null, primary key (\`id\`));`);
    this.addSql(`create index \`secret_kind_idx\` on \`secret\` (\`kind\`, \`scope\`, \`scope_id\`);`);
    this.addSql(`create index \`secret_master_key_idx\` on \`secret\` (\`master_key_id\`);`);
    this.addSql(`create unique index \`secret_name_scope_unique\` on \`secret\` (\`scope\`, \`scope_id\`, \`name\`);`);

    this.addSql(`create table \`task_link\` (\`id\` text not null, \`task_id\` text not null, \`kind\` text not null, \`url\` text not null, \`repository\` text not null, \`number\` integer null, \`state\` text not null, \`title\` text not null, \`node_id\` text null, \`branch\` text null, \`sha\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`task_link_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`task_link_task_id_index\` on \`task_link\` (\`task_id\`);`);
    this.addSql(`create index \`task_link_repo_number_idx\` on \`task_link\` (\`repository\`, \`number\`);`);
    this.addSql(`create index \`task_link_task_idx\` on \`task_link\` (\`task_id\`, \`id\`);`);
    this.addSql(`create unique index \`task_link_task_url_unique\` on \`task_link\` (\`task_id\`, \`url\`);`);

    this.addSql(`create table \`webhook_delivery\` (\`id\` text not null, \`event\` text not null, \`outcome\` text not null, \`received_at\` datetime not null, primary key (\`id\`));`);
  }

}
