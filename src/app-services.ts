import type { AssignmentOptions } from "./domain/assignment/assignment.service.js";
import { createServices, closeServices, type Services } from "./domain/services.js";
import type { Deps } from "./domain/shared/deps.js";
import { loadPolicy } from "./infra/sandbox/command-policy.js";
import { createSandbox, probeSandbox, type Sandbox, type SandboxLimits } from "./infra/sandbox/sandbox.js";
import { join } from "node:path";
import { DOWNLOADS_DIR } from "./infra/workspace-fs/workspace-fs.js";
import type { DiskLimits } from "./tools/files/disk.js";
import { toolCatalog } from "./tools/catalog.js";
import { ToolRegistry } from "./tools/registry.js";
import { CommandService } from "./tools/terminal/command.service.js";
import { ToolPolicyService } from "./tools/terminal/policy.service.js";
import { ToolService } from "./tools/tool.service.js";

export type SandboxMode = "auto" | "bwrap" | "none";

export interface SandboxStatus {
  mode: SandboxMode;
  /** What runs untrusted code: bubblewrap, nothing (SANDBOX=none), or no one (unavailable). */
  kind: "BWRAP" | "NONE" | "UNAVAILABLE";
  reason: string | null;
}

/** The domain services plus the tools: what the API and the workers are given. */
export interface AppServices extends Services {
  tools: ToolService;
  commands: CommandService;
  policies: ToolPolicyService;
  sandbox: SandboxStatus;
  /**
   * Runs the service's own steps in a workspace (venv creation, pip): the sandbox, or without
   * bubblewrap the unisolated runner, which still runs them as the sandbox user.
   */
  stepRunner: Sandbox;
}

export interface AppServiceOptions extends AssignmentOptions {
  sandboxMode: SandboxMode;
  policyFile?: string;
  commandLimits: SandboxLimits;
  pipIndexUrl?: string;
  /** COMMAND_MAX_TIMEOUT_MS, COMMAND_MAX_CONCURRENT, COMMAND_MAX_PER_WORKSPACE. */
  commandBounds: { maxTimeoutMs: number; maxConcurrent: number; maxPerWorkspace: number };
  /** WORKSPACE_MAX_BYTES and DISK_MIN_FREE_BYTES. */
  disk: DiskLimits;
  /** Checks that bubblewrap works (tests replace it to play a machine without one). */
  probe?: typeof probeSandbox;
}

export const defaultCommandLimits: SandboxLimits = {
  wallTimeMs: 60_000,
  cpuSeconds: 60,
  memoryBytes: 1024 * 1024 * 1024,
  processes: 64,
  fileSizeBytes: 100 * 1024 * 1024,
  outputBytes: 10 * 1024 * 1024,
};

export async function createAppServices(deps: Deps, opts: AppServiceOptions): Promise<AppServices> {
  const services = createServices(deps, opts);
  let status: SandboxStatus;
  let sandbox: Sandbox | null = null;
  if (opts.sandboxMode === "none") {
    status = { mode: "none", kind: "NONE", reason: "SANDBOX=none: commands run WITHOUT isolation" };
    sandbox = createSandbox({ mode: "none", logger: deps.logger });
    deps.logger.warn({ sandbox: "none" }, "SANDBOX=none: untrusted commands run on this host WITHOUT isolation");
  } else {
    const probe = await (opts.probe ?? probeSandbox)();
    if (probe.available) {
      status = { mode: opts.sandboxMode, kind: "BWRAP", reason: null };
      sandbox = createSandbox({ mode: "bwrap", logger: deps.logger });
    } else {
      status = { mode: opts.sandboxMode, kind: "UNAVAILABLE", reason: probe.reason };
      deps.logger.warn(
        { reason: probe.reason },
        "no sandbox: runCommand, runPython and installPackages are refused (install bubblewrap, or set SANDBOX=none)",
      );
    }
  }
  const policies = new ToolPolicyService(deps, loadPolicy(opts.policyFile));
  const commands = new CommandService(
    deps,
    () => {
      if (!sandbox) throw new Error("no sandbox");
      return sandbox;
    },
    services.tasks,
    {
      maxConcurrent: opts.commandBounds.maxConcurrent,
      maxPerWorkspace: opts.commandBounds.maxPerWorkspace,
      disk: opts.disk,
    },
  );
  const sandboxUnavailable = () => (sandbox ? null : (status.reason ?? "no sandbox"));
  const tools = new ToolService(deps, new ToolRegistry(toolCatalog), services.workspaces, services.tasks, {
    commands,
    checkCommand: (program, args, scope) => policies.check(program, args, scope),
    sandboxUnavailable: () => (sandbox ? null : (status.reason ?? "no sandbox")),
    limits: opts.commandLimits,
    maxTimeoutMs: opts.commandBounds.maxTimeoutMs,
    fileLimits: { maxWorkspaceBytes: opts.disk.maxWorkspaceBytes, minFreeBytes: opts.disk.minFreeBytes },
    python: {
      indexUrl: opts.pipIndexUrl,
      packages: { allow: [], deny: [] },
      onlyBinary: true,
      downloadsDir: join(opts.workspacesDir, DOWNLOADS_DIR),
    },
  });
  if (deps.db.dialect === "sqlite") {
    const orphaned = await commands.failOrphanedRuns();
    if (orphaned > 0) deps.logger.warn({ runs: orphaned }, "command runs cut off by the last stop recorded as FAILED");
  }
  const stepRunner = sandbox ?? createSandbox({ mode: "none", logger: deps.logger, quiet: true });
  return { ...services, tools, commands, policies, sandbox: status, stepRunner };
}

export async function closeAppServices(services: AppServices): Promise<void> {
  await services.commands.close();
  closeServices(services);
}
