import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { badInput, policyDenied } from "../../domain/errors.js";
import type { CommandRunRecord } from "../../domain/records.js";
import { removeTree } from "../../infra/workspace-fs/confined.js";
import {
  prepareDownload,
  pipDownloadCommand,
  pipInstallCommand,
  type PipCommand,
} from "../../infra/workspace-fs/pip.js";
import { workspaceOwner } from "../files/files.js";
import { resolveInWorkspace } from "../files/paths.js";
import { apiType, named } from "../api-shape.js";
import { defineTool, workspaceInput } from "../registry.js";
import type { CommandService } from "../terminal/command.service.js";
import { sandboxGate, wallTimeOf } from "../terminal/terminal.tools.js";

export interface Traceback {
  type: string;
  message: string;
  file: string | null;
  line: number | null;
  frames: Array<{ file: string; line: number; function: string }>;
}

export interface PythonResult {
  run: CommandRunRecord;
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

const traceback = named(
  "Traceback",
  z
    .object({
      type: z.string().describe("The exception's class, e.g. ZeroDivisionError."),
      message: z.string().describe("The exception's message (its str())."),
      file: z.string().nullable().describe("Where it was raised; <code> for code passed inline."),
      line: z.number().int().nullable().describe("The line it was raised at; null when unknown."),
      frames: z
        .array(
          named(
            "TracebackFrame",
            z
              .object({
                file: z.string().describe("The frame's file; <code> for code passed inline."),
                line: z.number().int().describe("The line in that file."),
                function: z.string().describe("The function's name; <module> at the top level."),
              })
              .describe("One frame of a Python stack: where a call was."),
          ),
        )
        .describe("The stack, outermost call first (the runner's own frames left out)."),
    })
    .describe("The exception a Python run raised."),
);

const run = apiType<CommandRunRecord>("CommandRun");

export const runPython = defineTool({
  id: "runPython",
  description:
    "Run Python code (or a .py file of the workspace) with the workspace's venv, inside the sandbox and its limits. Returns stdout, stderr and, when the code raised, the exception as a structured traceback.",
  input: named(
    "RunPythonInput",
    workspaceInput
      .extend({
        code: z.string().max(1_048_576).optional().describe("Code to run (give this or path)."),
        path: z.string().min(1).max(4096).optional().describe("A .py file of the workspace to run."),
        args: z
          .array(z.string().max(10_000))
          .max(100)
          .default([])
          .describe("Arguments for the program (sys.argv[1:]): up to 100, each up to 10,000 characters."),
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
      })
      .refine((i) => (i.code === undefined) !== (i.path === undefined), {
        message: "give exactly one of code and path",
        path: ["code"],
      })
      .describe(
        "Python code, or a .py file of the workspace, to run with the workspace's venv in the sandbox: give exactly one of code and path.",
      ),
  ),
  inputType: "RunPythonInput",
  output: named(
    "PythonResult",
    z
      .object({
        run: run.describe("The run: status, exit code, limit, time and memory."),
        stdout: z.string().describe("What the code wrote to standard output."),
        stderr: z.string().describe("What it wrote to standard error (Python's usual traceback included)."),
        traceback: traceback.nullable().describe("The exception the code raised; null when it raised none."),
      })
      .describe("A Python run's result: the run, its output and the exception it raised, if any."),
  ) as z.ZodType<PythonResult>,
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: false },
  async execute(ctx, input) {
    const { deps } = ctx;
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

export const installPackages = defineTool({
  id: "installPackages",
  description:
    "Install Python packages into the workspace's venv with pip, inside the sandbox, from the configured package index only (wheels only by default). Names follow PEP 508 (name, extras, version): no URLs, paths or options.",
  input: workspaceInput.extend({
    packages: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(50)
      .describe(
        "1 to 50 PEP 508 requirements (name, extras, version specifiers), e.g. numpy or requests[socks]>=2.31.",
      ),
    timeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .optional()
      .describe(
        "Wall-time limit of each pip run in milliseconds, at least 1,000; default 10 min (or COMMAND_TIMEOUT_MS if longer), at most COMMAND_MAX_TIMEOUT_MS.",
      ),
  }),
  output: named(
    "PackageInstallResult",
    z
      .object({
        run: run.describe("The last pip run: the download's if it failed, else the install's."),
        stdout: z.string().describe("Standard output of pip's download and install runs."),
        stderr: z.string().describe("Standard error of pip's download and install runs."),
      })
      .describe("What installPackages did: pip's last run and the output of both of its runs."),
  ) as z.ZodType<{
    run: CommandRunRecord;
    stdout: string;
    stderr: string;
  }>,
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: true, network: true },
  async execute(ctx, input) {
    const deps = ctx.deps;
    const python = deps.python;
    input.packages.forEach((p, i) => {
      const m = requirement.exec(p);
      if (!m) {
        throw badInput(
          `packages.${i}`,
          `"${p.slice(0, 100)}" is not a package requirement (name[extras] with optional version specifiers; no URLs, paths or options)`,
        );
      }
      const name = normalisePackageName(m[1] as string);
      if (python.packages.deny.map(normalisePackageName).includes(name)) {
        throw policyDenied("packages.denied", `The package ${name} may not be installed`, { field: `packages.${i}` });
      }
      if (python.packages.allow.length > 0 && !python.packages.allow.map(normalisePackageName).includes(name)) {
        throw policyDenied("packages.not-allowed", `The package ${name} is not on the allowed list`, {
          field: `packages.${i}`,
        });
      }
    });
    if (!python.indexUrl) {
      throw policyDenied("packages.no-index", "No package index is configured (set PIP_INDEX_URL)");
    }
    sandboxGate(deps);
    const source = { indexUrl: python.indexUrl, onlyBinary: python.onlyBinary, socketTimeoutSeconds: 15, retries: 1 };
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
    const download = await prepareDownload(python.downloadsDir, workspaceOwner(), python.indexUrl);
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
