import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "poppler-"));
let n = 0;

/** Runs a poppler tool (pdftotext, pdfinfo, pdffonts, pdfimages) on the PDF's bytes; its stdout. */
export async function poppler(
  tool: "pdftotext" | "pdfinfo" | "pdffonts" | "pdfimages",
  pdf: Uint8Array,
  args: string[] = [],
) {
  n += 1;
  const file = join(dir, `doc-${n}.pdf`);
  writeFileSync(file, pdf);
  const argv = tool === "pdftotext" ? [...args, file, "-"] : [...args, file];
  const { stdout } = await run(tool, argv, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
