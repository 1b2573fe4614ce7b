import { Migration } from '@mikro-orm/migrations';

export class Migration20261206130856_outbox extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "outbox" ("id" uuid not null, "kind" varchar(16) not null, "status" varchar(16) not null, "attempts" int not null, "next_attempt_at" timestamptz(3) not null, "last_error" text null, "message_id" varchar(255) not null, "payload" jsonb not null, "task_id" uuid null, "dedupe_key" varchar(255) not null, "created_at" timestamptz(3) not null, "sent_at" timestamptz(3) null, constraint "outbox_pkey" primary key ("id"));`);
    this.addSql(`alter table "outbox" add constraint "outbox_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "outbox_status_next_idx" on "outbox" ("status", "next_attempt_at");`);
    this.addSql(`create index "outbox_kind_created_idx" on "outbox" ("kind", "created_at");`);

    this.addSql(`alter table "outbox" add constraint "outbox_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "outbox" cascade;`);
  }

}
