/** Writes schema.graphql from the code-first schema; with --check, fails when the file differs. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildApiSchema, printApiSchema } from "../src/graphql/schema.js";

const file = join(import.meta.dirname, "..", "schema.graphql");
const sdl = printApiSchema(await buildApiSchema());
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(file, "utf8");
  } catch {
    // missing file counts as different
  }
  if (committed !== sdl) {
    process.stderr.write("schema.graphql is out of date: run `npm run schema` and commit the result.\n");
    process.exit(1);
  }
  process.stdout.write("schema.graphql is up to date\n");
} else {
  writeFileSync(file, sdl);
  process.stdout.write(`wrote ${file}\n`);
}
