import { z } from "zod";
import { badInput, DomainError } from "../../domain/errors.js";
import type { CommandRunRecord } from "../../domain/records.js";
import { apiType, named } from "../api-shape.js";
import type { ToolDeps } from "../deps.js";
import { defineTool, workspaceInput } from "../registry.js";

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

export const runCommandInput = named(
  "RunCommandInput",
  workspaceInput
    .extend({
      program: z.string().min(1).max(255).describe("A bare program name from the policy's allowlist (no paths)."),
      args: z
        .array(z.string().max(10_000))
        .max(1_000)
        .default([])
        .describe("Arguments, passed as they are (no shell): up to 1,000, each up to 10,000 characters."),
      stdin: z.string().max(1_048_576).optional().describe("Sent to the program's standard input."),
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .max(86_400_000)
        .optional()
        .describe(
          "Wall-time limit in milliseconds, at least 100; default COMMAND_TIMEOUT_MS (60 s unless configured), at most COMMAND_MAX_TIMEOUT_MS (30 min unless configured).",
        ),
      env: z
        .record(envName, z.string().max(10_000))
        .optional()
        .describe("Extra environment variables (string values); the server's own environment is never passed on."),
    })
    .describe("A program to start in a workspace's sandbox. No shell: program and args are passed as they are."),
);

export function sandboxGate(deps: Pick<ToolDeps, "sandboxUnavailable">): void {
  const reason = deps.sandboxUnavailable();
  if (reason) {
    throw new DomainError(
      "SANDBOX_UNAVAILABLE",
      `Untrusted code cannot run here: ${reason}. Install bubblewrap (Debian: apt-get install bubblewrap), or set SANDBOX=none to run without isolation.`,
    );
  }
}

export const runCommand = defineTool({
  id: "runCommand",
  description:
    "Start a program in the task's workspace, inside the sandbox: no shell, no network, the workspace as the only writable directory, limits on time, CPU, memory, processes, file size and output. Returns the run at once; its output streams and its end is recorded.",
  input: runCommandInput,
  inputType: "RunCommandInput",
  output: apiType<CommandRunRecord>("CommandRun"),
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: false },
  async execute(ctx, input) {
    const { deps } = ctx;
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
