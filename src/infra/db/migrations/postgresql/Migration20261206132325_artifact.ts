import { Migration } from '@mikro-orm/migrations';

export class Migration20261206132325_artifact extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "artifact" ("id" uuid not null, "task_id" uuid not null, "path" varchar(4096) not null, "kind" varchar(16) not null, "size_bytes" int not null, "sha256" varchar(64) not null, "created_at" timestamptz(3) not null, constraint "artifact_pkey" primary key ("id"));`);
    this.addSql(`create index "artifact_task_idx" on "artifact" ("task_id", "id");`);

    this.addSql(`alter table "artifact" add constraint "artifact_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "artifact" cascade;`);
  }

}
