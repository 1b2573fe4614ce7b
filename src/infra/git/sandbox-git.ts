/**
 * git on a workspace's repository: always inside the workspace's sandbox (its identity, its mount
 * namespace, no network), never on the host. The repository's configuration is the agent's (it may
 * set hooks, filters, an fsmonitor…); the settings below switch off what the service's own git
 * commands would otherwise run of it, and anything left (a filter driver) runs in the sandbox, the
 * agent's own domain, where it can reach nothing the agent could not reach anyway.
 */
import type { RunGuard, RunResult, Sandbox, SandboxLimits } from "../sandbox/sandbox.js";

/**
 * Settings before every workspace git command: no pager, hooks, fsmonitor, external diff, editor,
 * credential helper, signing or signature checks, and no transport at all.
 */
export const SANDBOX_GIT_CONFIG: readonly string[] = [
  "--no-pager",
  ...[
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.sshCommand=false",
    "diff.external=",
    "core.pager=cat",
    "core.editor=false",
    "credential.helper=",
    "protocol.allow=never",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "log.showSignature=false",
    "submodule.recurse=false",
    "gc.auto=0",
    "maintenance.auto=false",
  ].flatMap((setting) => ["-c", setting]),
];

export interface SandboxGitRequest {
  /** The workspace root: the run's only writable path and working directory. */
  workspace: string;
  /** The git arguments after the settings (e.g. ["-C", "src", "status", …]). */
  args: string[];
  /** A mirror to clone from: bound read-only, and the file transport allowed for this command only. */
  cloneFrom?: string;
  env?: Record<string, string>;
  stdin?: string;
  limits: SandboxLimits;
  signal?: AbortSignal;
  guards?: RunGuard[];
  /** Receives standard output as it comes instead of it being kept (bundles). */
  onStdout?: (chunk: Buffer) => void;
}

export interface SandboxGitResult {
  run: RunResult;
  stdout: string;
  stderr: string;
}

const STDERR_TAIL = 16 * 1024;

/** Runs one git command in the workspace's sandbox with the hardening settings and environment. */
export async function runSandboxGit(sandbox: Sandbox, req: SandboxGitRequest): Promise<SandboxGitResult> {
  const out: Buffer[] = [];
  let err = Buffer.alloc(0);
  const clone = req.cloneFrom ? ["-c", "protocol.file.allow=always", "-c", `safe.directory=${req.cloneFrom}`] : [];
  const run = await sandbox.run({
    workspace: req.workspace,
    program: "git",
    args: [...SANDBOX_GIT_CONFIG, ...clone, ...req.args],
    stdin: req.stdin,
    env: {
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      // Repository discovery stops below the workspace root: `-C src` finds src/.git or nothing.
      GIT_CEILING_DIRECTORIES: req.workspace,
      LC_ALL: "C.UTF-8",
      ...req.env,
    },
    limits: req.limits,
    extraReadOnly: req.cloneFrom ? [req.cloneFrom] : [],
    network: false,
    signal: req.signal,
    guards: req.guards,
    onOutput: (stream, chunk) => {
      if (stream === "stdout") {
        if (req.onStdout) req.onStdout(chunk);
        else out.push(chunk);
        return;
      }
      err = Buffer.concat([err, chunk]);
      if (err.length > STDERR_TAIL) err = err.subarray(err.length - STDERR_TAIL);
    },
  });
  return { run, stdout: Buffer.concat(out).toString("utf8"), stderr: err.toString("utf8") };
}
