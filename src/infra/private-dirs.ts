import { chmodSync, statSync } from "node:fs";

/**
 * The mode of the service's own folders (the data folder, the workspaces root): 0711 when the
 * service runs as root (the sandbox's user must pass through them to its workspace, never list
 * them), 0700 otherwise (the sandbox runs as the service's own user).
 */
export const privateDirMode = (): number => (process.getuid?.() === 0 ? 0o711 : 0o700);

/** Gives a folder of this process's own the private mode (see privateDirMode). */
export function keepPrivate(dir: string): void {
  const st = statSync(dir);
  const mode = privateDirMode();
  if (st.uid === process.getuid?.() && (st.mode & 0o7777) !== mode) chmodSync(dir, mode);
}
