import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144547_shared_files extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`file_lock\` (\`id\` text not null, \`workspace_id\` text not null, \`path\` text not null, \`holder_key\` text not null, \`holder_name\` text not null, \`holder_agent_id\` text null, \`task_id\` text null, \`tool_call_id\` text null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`file_lock_workspace_id_foreign\` foreign key(\`workspace_id\`) references \`workspace\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`file_lock_workspace_id_index\` on \`file_lock\` (\`workspace_id\`);`);
    this.addSql(`create index \`file_lock_expiry_idx\` on \`file_lock\` (\`workspace_id\`, \`expires_at\`);`);
    this.addSql(`create unique index \`file_lock_workspace_path_unique\` on \`file_lock\` (\`workspace_id\`, \`path\`);`);

    this.addSql(`create table \`file_change\` (\`id\` text not null, \`workspace_id\` text not null, \`kind\` text not null, \`path\` text not null, \`from_path\` text null, \`agent_id\` text null, \`caller_name\` text not null, \`tool_call_id\` text null, \`task_id\` text null, \`version\` text null, \`size_bytes\` integer null, \`sha256\` text null, \`at\` datetime not null, constraint \`file_change_workspace_id_foreign\` foreign key(\`workspace_id\`) references \`workspace\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`file_change_workspace_id_index\` on \`file_change\` (\`workspace_id\`);`);
    this.addSql(`create index \`file_change_workspace_idx\` on \`file_change\` (\`workspace_id\`, \`id\`);`);
  }

}
