import { Migration } from '@mikro-orm/migrations';

export class Migration20261206131603_Notifications extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`notification_subscription\` (\`id\` text not null, \`owner_key_id\` text not null, \`channel\` text not null, \`address\` text null, \`events\` json not null, \`agent_id\` text null, \`task_id\` text null, \`min_priority\` integer null, \`secret_id\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`notification_subscription_owner_key_id_foreign\` foreign key(\`owner_key_id\`) references \`api_key\`(\`id\`) on delete cascade on update cascade, constraint \`notification_subscription_agent_id_foreign\` foreign key(\`agent_id\`) references \`agent\`(\`id\`) on delete cascade on update cascade, constraint \`notification_subscription_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, constraint \`notification_subscription_secret_id_foreign\` foreign key(\`secret_id\`) references \`secret\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`notification_subscription_owner_key_id_index\` on \`notification_subscription\` (\`owner_key_id\`);`);
    this.addSql(`create index \`notification_subscription_agent_id_index\` on \`notification_subscription\` (\`agent_id\`);`);
    this.addSql(`create index \`notification_subscription_task_id_index\` on \`notification_subscription\` (\`task_id\`);`);
    this.addSql(`create index \`notification_subscription_secret_id_index\` on \`notification_subscription\` (\`secret_id\`);`);
    this.addSql(`create index \`notification_subscription_owner_idx\` on \`notification_subscription\` (\`owner_key_id\`, \`id\`);`);

    this.addSql(`create table \`notification\` (\`id\` text not null, \`owner_key_id\` text not null, \`seq\` integer not null, \`subscription_id\` text null, \`dedupe_key\` text not null, \`event\` text not null, \`task_id\` text null, \`agent_id\` text null, \`title\` text not null, \`body\` text not null, \`data\` json not null, \`read_at\` datetime null, \`created_at\` datetime not null, constraint \`notification_owner_key_id_foreign\` foreign key(\`owner_key_id\`) references \`api_key\`(\`id\`) on delete cascade on update cascade, constraint \`notification_subscription_id_foreign\` foreign key(\`subscription_id\`) references \`notification_subscription\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`notification_owner_key_id_index\` on \`notification\` (\`owner_key_id\`);`);
    this.addSql(`create index \`notification_subscription_id_index\` on \`notification\` (\`subscription_id\`);`);
    this.addSql(`create unique index \`notification_dedupe_unique\` on \`notification\` (\`dedupe_key\`);`);
    this.addSql(`create index \`notification_owner_unread_idx\` on \`notification\` (\`owner_key_id\`, \`read_at\`);`);
    this.addSql(`create unique index \`notification_owner_seq_unique\` on \`notification\` (\`owner_key_id\`, \`seq\`);`);

    this.addSql(`create table \`notification_delivery\` (\`dedupe_key\` text not null, \`subscription_id\` text not null, \`created_at\` datetime not null, constraint \`notification_delivery_subscription_id_foreign\` foreign key(\`subscription_id\`) references \`notification_subscription\`(\`id\`) on delete cascade on update cascade, primary key (\`dedupe_key\`));`);
    this.addSql(`create index \`notification_delivery_subscription_id_index\` on \`notification_delivery\` (\`subscription_id\`);`);
  }

}
