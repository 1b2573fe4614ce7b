import { Migration } from '@mikro-orm/migrations';

export class Migration20261206144558_AgentEmailRecipients extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop table if exists \`notification_delivery\`;`);

    this.addSql(`alter table \`agent\` add column \`email_recipients\` json null;`);
  }

}
