import { Migration } from '@mikro-orm/migrations';

export class Migration20261206234812_WorkspaceRequestTrace extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`workspace_request\` add column \`traceparent\` text null;`);
  }

}
