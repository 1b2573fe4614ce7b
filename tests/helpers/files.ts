import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";

/** How long a test waits for a file to show what it expects before it fails (a bound, not a guess). */
export const FILE_WAIT_MS = 30_000;

/** The file's text when it is a regular file (never blocking on a FIFO a workspace may put there). */
const readIfThere = (file: string): string | undefined => {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, "utf8") : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
};

/**
 * Resolves with the file's text once `accept` holds for it. The file is read again at every change
 * in its folder (fs.watch: a README replaced by rename shows as an event there); while the folder
 * does not exist yet it is looked for every 100 ms. Rejects after `timeoutMs`, naming `what` and
 * what the file held last.
 */
export function waitForFileText(
  file: string,
  accept: (text: string) => boolean,
  what: string,
  timeoutMs = FILE_WAIT_MS,
): Promise<string> {
  const dir = dirname(file);
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let last: string | undefined;
    const finish = (fn: () => void) => {
      clearTimeout(deadline);
      clearInterval(lookForDir);
      watcher?.close();
      fn();
    };
    const check = () => {
      last = readIfThere(file);
      if (last !== undefined && accept(last)) {
        const text = last;
        finish(() => resolve(text));
        return;
      }
      if (!watcher && existsSync(dir)) {
        watcher = watch(dir, check);
        watcher.on("error", () => {}); // the folder was removed: the deadline reports it
        check(); // a change between the read above and the watch
      }
    };
    const deadline = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${file} holds: ${last ?? "(none)"}`)),
        ),
      timeoutMs,
    );
    const lookForDir = setInterval(() => {
      if (!watcher) check();
    }, 100);
    check();
  });
}

/** Waits until `file` contains `text` (see waitForFileText). */
export const waitForFileToContain = (file: string, text: string, timeoutMs?: number): Promise<string> =>
  waitForFileText(file, (t) => t.includes(text), JSON.stringify(text), timeoutMs);
