import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { badInput, policyDenied } from "../../domain/errors.js";
import type { CommandRunEntity } from "../../infra/db/entities.js";
import { removeTree } from "../../infra/workspace-fs/confined.js";
import {
  prepareDownload,
  pipDownloadCommand,
  pipInstallCommand,
  type PipCommand,
} from "../../infra/workspace-fs/pip.js";
import { workspaceOwner } from "../files/files.js";
import { resolveInWorkspace } from "../files/paths.js";
import { defineTool, workspaceInput } from "../registry.js";
import type { CommandService } from "../terminal/command.service.js";
import { sandboxGate, wallTimeOf, type TerminalToolDeps } from "../terminal/terminal.tools.js";

export interface PythonToolDeps extends Pick<TerminalToolDeps, "sandboxUnavailable" | "limits" | "maxTimeoutMs"> {
  commands: CommandService;
  /** The only package index pip may use (PIP_INDEX_URL); unset: installPackages is refused. */
  indexUrl: string | undefined;
  /** Names that may (allow, empty = any) or may not (deny) be installed, lower-case, from the policy. */
  packages: { allow: readonly string[]; deny: readonly string[] };
  /** Wheels only (pip --only-binary :all:), the default: no build scripts run at install time. */
  onlyBinary: boolean;
  /** A folder of the service's where each install's downloads wait (see pip.ts). */
  downloadsDir: string;
}

export interface Traceback {
  type: string;
  message: string;
  file: string | null;
  line: number | null;
  frames: Array<{ file: string; line: number; function: string }>;
}

export interface PythonResult {
  run: CommandRunEntity;
  stdout: string;
  stderr: string;
  traceback: Traceback | null;
}

/** Printed by the wrapper as the last line of stderr when the program raised. */
const MARKER = "\u001eAGENT_TRACEBACK ";

/**
 * Runs the target as __main__ and, if it raises, writes the exception as one JSON line after a
 * marker on stderr (the usual traceback is printed too). SystemExit keeps its exit code.
 */
const WRAPPER = `
import json, runpy, sys, traceback
target = sys.argv[1]
sys.argv = sys.argv[1:]
try:
    runpy.run_path(target, run_name="__main__")
except SystemExit:
    raise
except BaseException as e:
    tb = traceback.extract_tb(e.__traceback__)
    frames = [f for f in tb if f.filename != "<string>" and "runpy" not in f.filename]
    last = frames[-1] if frames else None
    traceback.print_exc()
    sys.stderr.write("\\n${MARKER.replace("\u001e", "\\x1e")}" + json.dumps({
        "type": type(e).__name__, "message": str(e),
        "file": last.filename if last else None, "line": last.lineno if last else None,
        "frames": [{"file": f.filename, "line": f.lineno, "function": f.name} for f in frames],
    }) + "\\n")
    sys.exit(1)
`;

/** PEP 508 name, optional extras, optional version specifiers; nothing else (no URL, path, option or marker). */
const requirement =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?((?:===|==|~=|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+(?:,(?:===|==|~=|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)*)?$/;

export const normalisePackageName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/**
 * The code of a runPython call, in a folder of the service's (never the workspace): bound
 * read-only into the sandbox at the same path, removed after the run.
 */
async function codeFile(code: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "agent-code-"));
  await chmod(dir, 0o711);
  const path = join(dir, "code.py");
  await writeFile(path, code, { mode: 0o644 });
  return { path, remove: () => removeTree(dir) };
}

async function collectOutput(commands: CommandService, runId: string): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const chunks = await commands.output(runId);
  for (const c of chunks) {
    if (c.stream === "STDOUT") out.stdout += c.data;
    else if (c.stream === "STDERR") out.stderr += c.data;
  }
  return out;
}

export function pythonTools(deps: PythonToolDeps) {
  const runPython = defineTool({
    id: "runPython",
    description:
      "Run Python code (or a .py file of the workspace) with the workspace's venv, inside the sandbox and its limits. Returns stdout, stderr and, when the code raised, the exception as a structured traceback.",
    input: workspaceInput
      .extend({
        code: z.string().max(1_048_576).optional(),
        path: z.string().min(1).max(4096).optional(),
        args: z.array(z.string().max(10_000)).max(100).default([]),
        stdin: z.string().max(1_048_576).optional(),
        timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
      })
      .refine((i) => (i.code === undefined) !== (i.path === undefined), {
        message: "give exactly one of code and path",
        path: ["code"],
      }),
    output: z.custom<PythonResult>(),
    policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: false },
    async execute(ctx, input) {
      sandboxGate(deps);
      const root = ctx.workspace.root;
      let target: string;
      let code: Awaited<ReturnType<typeof codeFile>> | null = null;
      if (input.code !== undefined) {
        code = await codeFile(input.code);
        target = code.path;
      } else {
        // Checked by the confined walk; the program opens it again in the sandbox, where only the
        // workspace is there to reach.
        target = await resolveInWorkspace(root, input.path as string);
      }
      const temp = code?.path ?? null;
      try {
        const { done } = await deps.commands.start(ctx, {
          program: join(root, "venv", "bin", "python"),
          args: ["-c", WRAPPER, target, ...input.args],
          stdin: input.stdin,
          limits: {
            ...deps.limits,
            wallTimeMs: wallTimeOf(input.timeoutMs, deps.limits.wallTimeMs, deps.maxTimeoutMs),
          },
          extraReadOnly: temp ? [temp] : [],
        });
        const run = await done;
        const { stdout, stderr } = await collectOutput(deps.commands, run.id);
        const at = stderr.lastIndexOf(MARKER);
        let traceback: Traceback | null = null;
        let cleanStderr = stderr;
        if (at >= 0) {
          const line = stderr.slice(at + MARKER.length).split("\n", 1)[0] ?? "";
          try {
            traceback = JSON.parse(line) as Traceback;
            if (temp && traceback.file === temp) traceback.file = "<code>";
            for (const f of traceback.frames) if (temp && f.file === temp) f.file = "<code>";
          } catch {
            traceback = null;
          }
          cleanStderr = stderr.slice(0, at).replace(/\n$/, "");
        }
        return { run, stdout, stderr: cleanStderr, traceback };
      } finally {
        await code?.remove();
      }
    },
  });

  const installPackages = defineTool({
    id: "installPackages",
    description:
      "Install Python packages into the workspace's venv with pip, inside the sandbox, from the configured package index only (wheels only by default). Names follow PEP 508 (name, extras, version): no URLs, paths or options.",
    input: workspaceInput.extend({
      packages: z.array(z.string().min(1).max(200)).min(1).max(50),
      timeoutMs: z.number().int().min(1_000).max(3_600_000).optional(),
    }),
    output: z.custom<{ run: CommandRunEntity; stdout: string; stderr: string }>(),
    policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: true },
    async execute(ctx, input) {
      input.packages.forEach((p, i) => {
        const m = requirement.exec(p);
        if (!m) {
          throw badInput(
            `packages.${i}`,
            `"${p.slice(0, 100)}" is not a package requirement (name[extras] with optional version specifiers; no URLs, paths or options)`,
          );
        }
        const name = normalisePackageName(m[1] as string);
        if (deps.packages.deny.map(normalisePackageName).includes(name)) {
          throw policyDenied("packages.denied", `The package ${name} may not be installed`, { field: `packages.${i}` });
        }
        if (deps.packages.allow.length > 0 && !deps.packages.allow.map(normalisePackageName).includes(name)) {
          throw policyDenied("packages.not-allowed", `The package ${name} is not on the allowed list`, {
            field: `packages.${i}`,
          });
        }
      });
      if (!deps.indexUrl) {
        throw policyDenied("packages.no-index", "No package index is configured (set PIP_INDEX_URL)");
      }
      sandboxGate(deps);
      const source = { indexUrl: deps.indexUrl, onlyBinary: deps.onlyBinary, socketTimeoutSeconds: 15, retries: 1 };
      const wallTimeMs = wallTimeOf(input.timeoutMs, Math.max(deps.limits.wallTimeMs, 600_000), deps.maxTimeoutMs);
      const start = (cmd: PipCommand, workspace?: string) =>
        deps.commands.start(ctx, {
          program: cmd.program,
          args: cmd.args,
          env: cmd.env,
          limits: { ...deps.limits, wallTimeMs },
          network: cmd.network,
          extraReadOnly: cmd.readOnly,
          workspace,
        });
      // Two runs (see pip.ts): the download, with the network but without the workspace; then the
      // install from the downloads, in the workspace's sandbox and offline.
      const download = await prepareDownload(deps.downloadsDir, workspaceOwner(), deps.indexUrl);
      try {
        const fetched = await (await start(pipDownloadCommand(source, download, input.packages), download.dir)).done;
        const first = await collectOutput(deps.commands, fetched.id);
        if (fetched.status !== "SUCCEEDED") return { run: fetched, ...first };
        const venvPython = join(ctx.workspace.root, "venv", "bin", "python");
        const run = await (await start(pipInstallCommand(source, venvPython, download.dir, input.packages))).done;
        const second = await collectOutput(deps.commands, run.id);
        return { run, stdout: first.stdout + second.stdout, stderr: first.stderr + second.stderr };
      } finally {
        await download.remove();
      }
    },
  });

  return [runPython, installPackages];
}
