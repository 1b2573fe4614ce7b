import { Migration } from '@mikro-orm/migrations';

export class Migration20261206204201_WorkspaceHolders extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`workspace_chunk\` (\`request_id\` text not null, \`direction\` text not null, \`seq\` integer not null, \`data\` blob not null, primary key (\`request_id\`, \`direction\`, \`seq\`));`);

    this.addSql(`create table \`workspace_holder\` (\`id\` text not null, \`name\` text not null, \`started_at\` datetime not null, \`heartbeat_at\` datetime not null, primary key (\`id\`));`);

    this.addSql(`create table \`workspace_request\` (\`id\` text not null, \`holder_id\` text not null, \`op\` text not null, \`state\` text not null, \`input\` text not null, \`in_chunks\` integer not null, \`result\` text null, \`out_chunks\` integer null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`workspace_request_holder_idx\` on \`workspace_request\` (\`holder_id\`, \`state\`);`);

    this.addSql(`alter table \`workspace\` add column \`holder_id\` text null;`);
    this.addSql(`create index \`workspace_holder_idx\` on \`workspace\` (\`holder_id\`);`);
  }

}
