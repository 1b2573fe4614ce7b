import { Migration } from '@mikro-orm/migrations';

export class Migration20261206190448_RateLimitWindow extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "rate_limit_window" ("api_key_id" varchar(64) not null, "window_start" bigint not null, "count" int not null, constraint "rate_limit_window_pkey" primary key ("api_key_id"));`);
    this.addSql(`create index "rate_limit_window_start_idx" on "rate_limit_window" ("window_start");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit_window" cascade;`);
  }

}
