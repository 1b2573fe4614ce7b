import { Migration } from '@mikro-orm/migrations';

export class Migration20261206052208_stopped_in extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`task\` add column \`stopped_in\` text null;`);
  }

}
