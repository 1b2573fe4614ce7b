import { execFile } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const unitsDir = join(import.meta.dirname, "..", "..", "deploy", "systemd");

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The [Service] section's settings, each key with every value it is given (in order). */
function serviceSection(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    if (section !== "Service") continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

const units = [
  { file: "agent-system.service", command: "serve" },
  { file: "agent-system-worker@.service", command: "worker" },
];

/** Directives that would stop bubblewrap (see the notes in agent-system.service and docs/deployment.md). */
const BREAK_THE_SANDBOX = [
  "RestrictNamespaces",
  "PrivateUsers",
  "ProtectKernelTunables",
  "ProtectKernelLogs",
  "ProtectProc",
  "ProcSubset",
  "MemoryDenyWriteExecute",
  "SystemCallFilter",
];

describe.each(units)("deploy/systemd/$file", ({ file, command }) => {
  const text = readFileSync(join(unitsDir, file), "utf8");
  const service = serviceSection(text);
  const one = (key: string) => service.get(key)?.at(-1);

  it(`starts dist/main.js ${command} as the dedicated user, with the environment file, restarting on failure`, () => {
    expect(one("ExecStart")).toBe(`/usr/bin/node /opt/agent-system/dist/main.js ${command}`);
    expect(one("WorkingDirectory")).toBe("/opt/agent-system");
    expect(one("User")).toBe("agents");
    expect(one("Group")).toBe("agents");
    expect(one("EnvironmentFile")).toBe("/etc/agent-system/agent-system.env");
    expect(one("Restart")).toBe("on-failure");
    expect(one("RestartPreventExitStatus")).toBe("2");
    expect(one("KillMode")).toBe("mixed");
    expect(service.get("Environment")).toEqual(
      expect.arrayContaining(["NODE_ENV=production", "WORKSPACES_DIR=%S/agent-system/workspaces"]),
    );
  });

  it("is hardened, without the directives that would stop bubblewrap", () => {
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("CapabilityBoundingSet")).toBe("");
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("RestrictAddressFamilies")?.split(" ")).toContain("AF_NETLINK");
    for (const key of BREAK_THE_SANDBOX) expect(service.has(key), key).toBe(false);
  });
});

describe("systemd-analyze verify", () => {
  const dir = mkdtempSync(join(tmpdir(), "units-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds nothing to say about either unit", async (ctx) => {
    ctx.skip(!executable("/usr/bin/systemd-analyze"), "systemd-analyze is not installed (Debian package systemd)");
    ctx.skip(!executable("/usr/bin/node"), "the units start /usr/bin/node, which is not installed here");
    // A template is verified as one of its instances.
    copyFileSync(join(unitsDir, "agent-system.service"), join(dir, "agent-system.service"));
    copyFileSync(join(unitsDir, "agent-system-worker@.service"), join(dir, "agent-system-worker@1.service"));
    const files = ["agent-system.service", "agent-system-worker@1.service"].map((f) => join(dir, f));
    // verify exits 0 on unknown keys and bad values, only warning on stderr: both must be clean.
    const { stderr } = await run("/usr/bin/systemd-analyze", ["verify", ...files]);
    const aboutUs = stderr.split("\n").filter((l) => l.includes(dir));
    expect(aboutUs).toEqual([]);
  });
});

describe("bubblewrap under the units' restrictions", () => {
  // NoNewPrivileges=yes, an empty capability bounding set, a user of its own: what the units
  // give the service. setpriv puts a process in the same state; bwrap must still make a sandbox
  // with its own user, PID and mount namespaces and /proc (as src/infra/sandbox does).
  it("starts a sandbox as an unprivileged user with no_new_privs and no capabilities", async (ctx) => {
    ctx.skip(process.getuid?.() !== 0, "needs root to become another user");
    ctx.skip(!executable("/usr/bin/bwrap"), "bubblewrap is not installed");
    ctx.skip(!executable("/usr/bin/setpriv"), "setpriv is not installed (util-linux)");
    const { stdout } = await run("/usr/bin/setpriv", [
      ...["--reuid", "65534", "--regid", "65534", "--clear-groups"],
      ...["--bounding-set", "-all", "--inh-caps", "-all", "--no-new-privs"],
      "/usr/bin/bwrap",
      ...["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"],
      ...["--die-with-parent", "--new-session", "--as-pid-1"],
      ...["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib"],
      ...["--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"],
      ...["--", "/usr/bin/cat", "/proc/self/status"],
    ]);
    // Inside: its own PID namespace (a low pid) and the sandbox's uid.
    expect(stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(stdout).toMatch(/^Uid:\s+65534\s/m);
    expect(Number(/^Pid:\s+(\d+)$/m.exec(stdout)?.[1])).toBeLessThan(10);
  });
});
