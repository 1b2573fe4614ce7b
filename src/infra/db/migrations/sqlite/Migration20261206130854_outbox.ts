import { Migration } from '@mikro-orm/migrations';

export class Migration20261206130854_outbox extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`outbox\` (\`id\` text not null, \`kind\` text not null, \`status\` text not null, \`attempts\` integer not null, \`next_attempt_at\` datetime not null, \`last_error\` text null, \`message_id\` text not null, \`payload\` json not null, \`task_id\` text null, \`dedupe_key\` text not null, \`created_at\` datetime not null, \`sent_at\` datetime null, constraint \`outbox_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`outbox_task_id_index\` on \`outbox\` (\`task_id\`);`);
    this.addSql(`create unique index \`outbox_dedupe_key_unique\` on \`outbox\` (\`dedupe_key\`);`);
    this.addSql(`create index \`outbox_status_next_idx\` on \`outbox\` (\`status\`, \`next_attempt_at\`);`);
    this.addSql(`create index \`outbox_kind_created_idx\` on \`outbox\` (\`kind\`, \`created_at\`);`);
  }

}
