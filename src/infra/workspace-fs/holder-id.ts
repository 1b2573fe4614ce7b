import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The file in WORKSPACES_DIR that names the holder whose workspaces the folder keeps. */
export const HOLDER_ID_FILE = ".holder-id";

/**
 * This WORKSPACES_DIR's holder id: read from HOLDER_ID_FILE, or made (random) and written there at
 * the first start. It stays the same across restarts as long as the folder does, which is what
 * lets a restarted worker reclaim its workspaces.
 */
export function holderIdOf(workspacesDir: string): string {
  const file = join(workspacesDir, HOLDER_ID_FILE);
  try {
    const id = readFileSync(file, "utf8").trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const id = randomUUID();
  try {
    writeFileSync(file, `${id}\n`, { flag: "wx", mode: 0o600 });
    return id;
  } catch (err) {
    // Another process on this folder made it first (a shared WORKSPACES_DIR): use its id.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw err;
  }
}
