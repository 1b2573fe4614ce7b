import { Migration } from '@mikro-orm/migrations';

export class Migration20261125120035_tool_policy extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "agent" add column "tool_policy" jsonb null;`);

    this.addSql(`alter table "task" add column "tool_policy" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "agent" drop column "tool_policy";`);

    this.addSql(`alter table "task" drop column "tool_policy";`);
  }

}
