import { Migration } from '@mikro-orm/migrations';

export class Migration20261206190446_RateLimitWindow extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`rate_limit_window\` (\`api_key_id\` text not null, \`window_start\` bigint not null, \`count\` integer not null, primary key (\`api_key_id\`));`);
    this.addSql(`create index \`rate_limit_window_start_idx\` on \`rate_limit_window\` (\`window_start\`);`);
  }

}
