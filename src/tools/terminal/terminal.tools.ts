import { z } from "zod";
import { badInput, DomainError } from "../../domain/errors.js";
import type { CommandRunEntity } from "../../infra/db/entities.js";
import type { SandboxLimits } from "../../infra/sandbox/sandbox.js";
import { defineTool, workspaceInput } from "../registry.js";
import type { CommandService } from "./command.service.js";

export interface TerminalToolDeps {
  commands: CommandService;
  /** Throws POLICY_DENIED naming the rule when the program or an argument is refused. */
  checkCommand(program: string, args: readonly string[], workspace: { taskId: string; agentId: string }): Promise<void>;
  /** null when untrusted code may run (bubblewrap works, or the operator chose SANDBOX=none). */
  sandboxUnavailable(): string | null;
  limits: SandboxLimits;
  /** The longest wall time a caller may ask for (COMMAND_MAX_TIMEOUT_MS). */
  maxTimeoutMs: number;
}

/**
 * The wall time of a run: what the caller asked for, refused when over the cap (a clear error
 * naming it, never silently cut), or the tool's default, held to the cap.
 */
export function wallTimeOf(requested: number | undefined, fallback: number, maxTimeoutMs: number): number {
  if (requested !== undefined && requested > maxTimeoutMs) {
    throw badInput("timeoutMs", `must be at most ${maxTimeoutMs} ms (COMMAND_MAX_TIMEOUT_MS)`, {
      limit: "timeoutMs",
      max: maxTimeoutMs,
    });
  }
  return requested ?? Math.min(fallback, maxTimeoutMs);
}

/** Environment names a caller may set: not the loader's, not the sandbox's own. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be a plain variable name")
  .refine((n) => !/^(LD_|BASH_FUNC_)/.test(n) && !["PATH", "HOME", "TMPDIR"].includes(n), {
    message: "is set by the sandbox and cannot be overridden",
  });

export const runCommandInput = workspaceInput.extend({
  program: z.string().min(1).max(255),
  args: z.array(z.string().max(10_000)).max(1_000).default([]),
  stdin: z.string().max(1_048_576).optional(),
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  env: z.record(envName, z.string().max(10_000)).optional(),
});

export function sandboxGate(deps: Pick<TerminalToolDeps, "sandboxUnavailable">): void {
  const reason = deps.sandboxUnavailable();
  if (reason) {
    throw new DomainError(
      "SANDBOX_UNAVAILABLE",
      `Untrusted code cannot run here: ${reason}. Install bubblewrap (Debian: apt-get install bubblewrap), or set SANDBOX=none to run without isolation.`,
    );
  }
}

export function terminalTools(deps: TerminalToolDeps) {
  const runCommand = defineTool({
    id: "runCommand",
    description:
      "Start a program in the task's workspace, inside the sandbox: no shell, no network, the workspace as the only writable directory, limits on time, CPU, memory, processes, file size and output. Returns the run at once; its output streams and its end is recorded.",
    input: runCommandInput,
    output: z.custom<CommandRunEntity>(),
    policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: false },
    async execute(ctx, input) {
      await deps.checkCommand(input.program, input.args, ctx.workspace);
      sandboxGate(deps);
      const { run } = await deps.commands.start(ctx, {
        program: input.program,
        args: input.args,
        stdin: input.stdin,
        env: input.env,
        limits: { ...deps.limits, wallTimeMs: wallTimeOf(input.timeoutMs, deps.limits.wallTimeMs, deps.maxTimeoutMs) },
      });
      return run;
    },
  });
  return [runCommand];
}
