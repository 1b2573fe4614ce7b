import { Migration } from '@mikro-orm/migrations';

export class Migration20261206052209_stopped_in extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "task" add column "stopped_in" varchar(16) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "task" drop column "stopped_in";`);
  }

}
