import { Migration } from '@mikro-orm/migrations';

export class Migration20261125120035_tool_policy extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`agent\` add column \`tool_policy\` json null;`);

    this.addSql(`alter table \`task\` add column \`tool_policy\` json null;`);
  }

}
