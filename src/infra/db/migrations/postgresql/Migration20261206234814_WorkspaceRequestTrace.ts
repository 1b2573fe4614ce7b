import { Migration } from '@mikro-orm/migrations';

export class Migration20261206234814_WorkspaceRequestTrace extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "workspace_request" add column "traceparent" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "workspace_request" drop column "traceparent";`);
  }

}
