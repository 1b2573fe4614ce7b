import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144442_channels extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`channel\` (\`id\` text not null, \`kind\` text not null, \`name\` text not null, \`description\` text not null, \`task_id\` text null, \`message_seq\` integer not null default 0, \`created_by_key_id\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`channel_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`channel_name_unique\` on \`channel\` (\`name\`);`);
    this.addSql(`create index \`channel_task_id_index\` on \`channel\` (\`task_id\`);`);
    this.addSql(`create unique index \`channel_task_unique\` on \`channel\` (\`task_id\`);`);
    this.addSql(`create index \`channel_kind_idx\` on \`channel\` (\`kind\`, \`id\`);`);

    this.addSql(`create table \`channel_message\` (\`id\` text not null, \`channel_id\` text not null, \`seq\` integer not null, \`author_name\` text not null, \`author_agent_id\` text null, \`author_key_id\` text null, \`text\` text not null, \`mentions\` json not null, \`reply_to_id\` text null, \`created_at\` datetime not null, constraint \`channel_message_channel_id_foreign\` foreign key(\`channel_id\`) references \`channel\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`channel_message_channel_id_index\` on \`channel_message\` (\`channel_id\`);`);
    this.addSql(`create unique index \`channel_message_seq_unique\` on \`channel_message\` (\`channel_id\`, \`seq\`);`);

    this.addSql(`create table \`channel_member\` (\`id\` text not null, \`channel_id\` text not null, \`agent_id\` text null, \`api_key_id\` text null, \`created_at\` datetime not null, constraint \`channel_member_channel_id_foreign\` foreign key(\`channel_id\`) references \`channel\`(\`id\`) on delete cascade on update cascade, constraint \`channel_member_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete cascade on update cascade, constraint \`channel_member_api_key_id_foreign\` foreign key(\`api_key_id\`) references \`api_key\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`channel_member_channel_id_index\` on \`channel_member\` (\`channel_id\`);`);
    this.addSql(`create index \`channel_member_agent_idx\` on \`channel_member\` (\`agent_id\`);`);
    this.addSql(`create index \`channel_member_key_idx\` on \`channel_member\` (\`api_key_id\`);`);
    this.addSql(`create unique index \`channel_member_agent_unique\` on \`channel_member\` (\`channel_id\`, \`agent_id\`);`);
    this.addSql(`create unique index \`channel_member_key_unique\` on \`channel_member\` (\`channel_id\`, \`api_key_id\`);`);
  }

}
