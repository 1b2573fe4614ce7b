import { Migration } from '@mikro-orm/migrations';

export class Migration20261206132324_artifact extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`artifact\` (\`id\` text not null, \`task_id\` text not null, \`path\` text not null, \`kind\` text not null, \`size_bytes\` integer not null, \`sha256\` text not null, \`created_at\` datetime not null, constraint \`artifact_task_id_foreign\` foreign key(\`task_id\`) references \`task\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`artifact_task_id_index\` on \`artifact\` (\`task_id\`);`);
    this.addSql(`create index \`artifact_task_idx\` on \`artifact\` (\`task_id\`, \`id\`);`);
  }

}
