import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { checkCommand, loadPolicy, mergePolicy, type CommandPolicy } from "../../src/infra/sandbox/command-policy.js";
import { createSandbox, probeSandbox, type SandboxLimits } from "../../src/infra/sandbox/sandbox.js";

const policy = loadPolicy();

/** The rule a refused command names, or null when it is allowed. */
function ruleOf(program: string, args: string[], p: CommandPolicy = policy): string | null {
  try {
    checkCommand(p, program, args);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    const e = err as DomainError;
    expect(e.code).toBe("POLICY_DENIED");
    expect(e.message).toContain(`(rule ${String(e.details.rule)})`);
    return String(e.details.rule);
  }
}

describe("command policy", () => {
  it("allows ordinary commands", () => {
    for (const [program, args] of [
      ["ls", ["-la", "src"]],
      ["python3", ["-c", "print(1)"]],
      ["grep", ["-rn", "TODO", "."]],
      ["find", [".", "-name", "*.py", "-type", "f"]],
      ["sed", ["-n", "s/foo/bar/gp", "a.txt"]],
      ["sed", ["-e", "/e/d", "assets/img/logo/edit.png"]],
      ["awk", ["-F,", "/a|b/ {print $1}", "data.csv"]],
      ["tar", ["-czf", "out.tar.gz", "src"]],
      ["tar", ["xzf", "in.tar.gz", "--checkpoint=100"]],
      ["git", ["status"]],
      ["git", ["-C", "src", "log", "-n", "3"]],
      ["git", ["commit", "-m", "x"]],
      ["git", ["config", "user.name", "Ada"]],
      ["git", ["grep", "-c", "foo"]],
      ["env", ["FOO=1", "ls", "-l"]],
      ["sort", ["-u", "a.txt"]],
    ] as const) {
      expect(ruleOf(program, [...args]), `${program} ${args.join(" ")}`).toBeNull();
    }
  });

  it("refuses program names that are paths or not names", () => {
    expect(ruleOf("/bin/sh", [])).toBe("program.absolute");
    expect(ruleOf("/usr/bin/ls", [])).toBe("program.absolute");
    expect(ruleOf("./run.sh", [])).toBe("program.relative");
    expect(ruleOf("../x", [])).toBe("program.relative");
    expect(ruleOf("bin/tool", [])).toBe("program.relative");
    expect(ruleOf("..", [])).toBe("program.relative");
    expect(ruleOf("ls -la", [])).toBe("program.name");
    expect(ruleOf("-rf", [])).toBe("program.name");
    expect(ruleOf("", [])).toBe("program.name");
    expect(ruleOf("curl", ["https://example.com"])).toBe("program.not-allowed");
    expect(ruleOf("pip", ["install", "x"])).toBe("program.not-allowed");
    expect(ruleOf("constructor", [])).toBe("program.not-allowed");
    expect(ruleOf("toString", [])).toBe("program.not-allowed");
  });

  it("refuses shells and launchers unless the policy explicitly allows one", () => {
    for (const sh of ["sh", "bash", "dash", "zsh"]) expect(ruleOf(sh, ["-c", "ls"])).toBe("program.shell");
    for (const l of ["xargs", "nohup", "timeout", "nice"]) expect(ruleOf(l, ["ls"])).toBe("program.launcher");
    // Listing a shell is not enough: its entry must say allowRestricted.
    expect(ruleOf("bash", ["-c", "ls"], mergePolicy(policy, { allow: { bash: {} } }))).toBe("program.shell");
    expect(
      ruleOf("bash", ["-c", "ls"], mergePolicy(policy, { allow: { bash: { allowRestricted: true } } })),
    ).toBeNull();
  });

  it("refuses each denied argument pattern, naming its rule", () => {
    const cases: Array<[string, string[], string]> = [
      ["find", [".", "-exec", "rm", "{}", ";"], "find.exec"],
      ["find", [".", "-execdir", "sh", "-c", "x", ";"], "find.exec"],
      ["find", [".", "-ok", "rm", "{}", ";"], "find.exec"],
      ["find", [".", "-okdir", "rm", "{}", ";"], "find.exec"],
      ["find", [".", "-name", "*.tmp", "-delete"], "find.delete"],
      ["git", ["-c", "core.pager=sh -c id", "log"], "git.config-override"],
      ["git", ["-ccore.pager=x", "log"], "git.config-override"],
      ["git", ["--config-env=core.pager=X", "log"], "git.config-override"],
      ["git", ["clone", "--config", "core.fsmonitor=x", "a", "b"], "git.config-override"],
      ["git", ["clone", "-c", "core.fsmonitor=x", "a", "b"], "git.config-override"],
      ["git", ["clone", "--upload-pack=touch pwned", "a", "b"], "git.upload-pack"],
      ["git", ["fetch", "--upload-pa", "touch x", "origin"], "git.upload-pack"],
      ["git", ["clone", "-u", "touch x", "a", "b"], "git.upload-pack"],
      ["git", ["push", "--receive-pack=x", "origin"], "git.upload-pack"],
      ["git", ["archive", "--exec=x", "--remote=r", "HEAD"], "git.upload-pack"],
      ["git", ["-C", "/etc", "status"], "git.outside-workspace"],
      ["git", ["-C", "../other", "status"], "git.outside-workspace"],
      ["git", ["--git-dir=/root/.git", "log"], "git.outside-workspace"],
      ["git", ["--work-tree", "a/../../b", "status"], "git.outside-workspace"],
      ["git", ["--exec-path=/tmp/x", "status"], "git.exec-path"],
      ["git", ["init", "--template=tpl"], "git.template"],
      ["git", ["clone", "ext::sh -c touch% pwned", "x"], "git.ext-transport"],
      ["git", ["rebase", "-x", "make", "main"], "git.exec"],
      ["git", ["rebase", "--exec", "make", "main"], "git.upload-pack"],
      ["git", ["bisect", "run", "make"], "git.exec"],
      ["git", ["submodule", "foreach", "ls"], "git.exec"],
      ["git", ["config", "core.pager", "less"], "git.config-exec"],
      ["git", ["config", "alias.x", "!sh"], "git.config-exec"],
      ["git", ["config", "--local", "Core.SshCommand", "x"], "git.config-exec"],
      ["git", ["difftool"], "git.command"],
      ["tar", ["-cf", "a.tar", "--checkpoint=1", "--checkpoint-action=exec=sh", "src"], "tar.checkpoint-action"],
      ["tar", ["-cf", "a.tar", "--checkpoint-act=exec=id", "src"], "tar.checkpoint-action"],
      ["tar", ["-xf", "a.tar", "--to-command=sh"], "tar.to-command"],
      ["tar", ["-xf", "a.tar", "--to-c", "sh"], "tar.to-command"],
      ["tar", ["--use-compress-program=sh", "-xf", "a.tar"], "tar.compress-program"],
      ["tar", ["-xIsh", "-f", "a.tar"], "tar.compress-program"],
      ["tar", ["xIf", "sh", "a.tar"], "tar.compress-program"],
      ["tar", ["-cf", "a.tar", "-F", "x.sh", "src"], "tar.volume-script"],
      ["tar", ["-cf", "a.tar", "--rsh-command=/bin/sh", "h:x"], "tar.remote-command"],
      ["env", ["-S", "sh -c id"], "env.split-string"],
      ["env", ["-iS", "sh -c id"], "env.split-string"],
      ["env", ["--split-string=sh -c id"], "env.split-string"],
      ["env", ["--s", "sh -c id"], "env.split-string"],
      ["sed", ["-e", "1e id", "a.txt"], "sed.exec"],
      ["sed", ["e touch pwned", "a.txt"], "sed.exec"],
      ["sed", ["p;e id", "a.txt"], "sed.exec"],
      ["sed", ["/x/!e id", "a.txt"], "sed.exec"],
      ["sed", ["s/x/id/e", "a.txt"], "sed.exec"],
      ["sed", ["s|x|id|ge", "a.txt"], "sed.exec"],
      ["sed", ["-f", "script.sed", "a.txt"], "sed.script-file"],
      ["sed", ["--file=script.sed", "a.txt"], "sed.script-file"],
      ["awk", ['BEGIN { system("id") }'], "awk.system"],
      ["awk", ['BEGIN { "id" | getline x; print x }'], "awk.pipe"],
      ["awk", ['{ print $0 | "sh" }'], "awk.pipe"],
      ["awk", ['{ print |& "sh" }'], "awk.pipe"],
      ["awk", ["-f", "prog.awk", "data"], "awk.program-file"],
      ["sort", ["--compress-program=sh", "a"], "sort.compress-program"],
    ];
    for (const [program, args, rule] of cases) {
      expect(ruleOf(program, args), `${program} ${args.join(" ")}`).toBe(rule);
    }
  });

  it("checks the command env starts against the same policy", () => {
    expect(ruleOf("env", ["bash", "-c", "id"])).toBe("program.shell");
    expect(ruleOf("env", ["-i", "FOO=1", "/bin/sh"])).toBe("program.absolute");
    expect(ruleOf("env", ["-u", "HOME", "--", "find", ".", "-exec", "id", ";"])).toBe("find.exec");
    expect(ruleOf("env", ["env", "env", "env", "env", "env", "ls"])).toBe("program.nesting");
    expect(ruleOf("env", ["-C", "src", "ls"])).toBeNull();
  });

  it("refuses NUL characters and oversized argument lists", () => {
    expect(ruleOf("echo", ["a\0b"])).toBe("args.nul");
    expect(
      ruleOf(
        "echo",
        Array.from({ length: 1001 }, () => "x"),
      ),
    ).toBe("args.size");
    expect(ruleOf("echo", ["x".repeat(300_000)])).toBe("args.size");
  });

  it("merges overrides in order: allow, remove, deny, undeny", () => {
    const agent = { remove: ["git"], deny: { ls: [{ rule: "ls.recursive", reason: "too much output", shorts: "R" }] } };
    const task = { allow: { git: {} }, undeny: { find: ["find.delete"] } };
    const merged = mergePolicy(policy, agent, task);
    expect(ruleOf("git", ["status"], mergePolicy(policy, agent))).toBe("program.not-allowed");
    expect(ruleOf("git", ["-c", "a=b", "log"], merged)).toBeNull(); // re-allowed without rules
    expect(ruleOf("ls", ["-laR"], merged)).toBe("ls.recursive");
    expect(ruleOf("find", [".", "-delete"], merged)).toBeNull();
    expect(ruleOf("find", [".", "-exec", "x", ";"], merged)).toBe("find.exec");
    // The base policy is untouched.
    expect(ruleOf("find", [".", "-delete"])).toBe("find.delete");
    expect(ruleOf("ls", ["-R"])).toBeNull();
    expect(() => mergePolicy(policy, { allow: { x: { deny: [{ rule: "x.y", reason: "r", pattern: "(" }] } } })).toThrow(
      /invalid pattern/,
    );
    expect(() => mergePolicy(policy, { surprise: true })).toThrow(DomainError);
  });

  it("fails fast on a bad policy file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-"));
    try {
      const file = join(dir, "p.json");
      await writeFile(
        file,
        JSON.stringify({
          limits: { maxArgs: 1, maxArgBytes: 1 },
          restricted: [],
          programs: { ls: { deny: [{ rule: "x", reason: "y" }] } },
        }),
      );
      expect(() => loadPolicy(file)).toThrow(/at least one of/);
      await writeFile(file, "{ not json");
      expect(() => loadPolicy(file)).toThrow(/p\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a compound command smuggled into an argument", () => {
  let ws: string;
  const limits: SandboxLimits = {
    wallTimeMs: 10_000,
    cpuSeconds: 5,
    memoryBytes: 512 * 1024 * 1024,
    processes: 32,
    fileSizeBytes: 1024 * 1024,
    outputBytes: 64 * 1024,
  };
  const logger = { warn: () => undefined, info: () => undefined, debug: () => undefined };

  beforeAll(async () => {
    const probe = await probeSandbox();
    if (!probe.available) throw new Error(`bubblewrap is required for these tests: ${probe.reason}`);
    ws = await mkdtemp(join(tmpdir(), "policy-ws-"));
    await writeFile(join(ws, "a.txt"), "hello\n");
  });
  afterAll(async () => {
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it("reaches the program as one argument and runs nothing else", async () => {
    const sandbox = createSandbox({ mode: "bwrap", logger });
    const commands: Array<[string, string[], string]> = [
      [
        "echo",
        ["a; touch pwned", "$(touch pwned)", "`touch pwned`", "| touch pwned", "&& touch pwned"],
        "a; touch pwned",
      ],
      ["find", [".", "-name", "*; touch pwned"], ""],
      ["ls", ["a.txt; touch pwned"], ""],
      ["grep", ["-r", "x", "--include=*.txt;touch pwned", "."], ""],
    ];
    for (const [program, args, expected] of commands) {
      checkCommand(policy, program, args);
      let out = "";
      const r = await sandbox.run({ workspace: ws, program, args, limits, onOutput: (_s, c) => (out += c) });
      expect(r.sandbox).toBe("BWRAP");
      if (expected) expect(out).toContain(expected);
    }
    expect(existsSync(join(ws, "pwned"))).toBe(false);
    expect(await readdir(ws)).toEqual(["a.txt"]);
  });
});
