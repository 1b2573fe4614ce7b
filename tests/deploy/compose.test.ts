import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const composeFile = join(root, "deploy", "compose.yml");

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  security_opt?: string[];
  cap_drop?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

// Compose merges `<<:` keys (YAML 1.1); the yaml package does so when asked.
const compose = parse(readFileSync(composeFile, "utf8"), { merge: true }) as Compose;
const services = compose.services;
const apis = ["api-1", "api-2"];
const workers = ["worker-1", "worker-2"];
const agents = [...apis, ...workers];

/** What `${NAME:?message}` and `${NAME:-default}` interpolate to, with the values given. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::[?-][^}]*)?\}/g, (_, name: string) => vars[name] ?? "");
}

const sampleVars = {
  POSTGRES_PASSWORD: "pw-for-the-test",
  ADMIN_API_KEY: "k".repeat(40),
  SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
  OPENROUTER_API_KEY: "",
};

describe("deploy/compose.yml (the cluster profile)", () => {
  it("has PostgreSQL, two API processes, two workers and the SMTP catcher", () => {
    expect(Object.keys(services).sort()).toEqual(["api-1", "api-2", "mailpit", "postgres", "worker-1", "worker-2"]);
    for (const name of apis) expect(services[name]?.command, name).toEqual(["serve", "--no-workers"]);
    for (const name of workers) expect(services[name]?.command, name).toEqual(["worker"]);
  });

  it("pins every pulled image to a major version, and builds its own from the repository's Dockerfile", () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toBeTruthy();
      if (s.build) {
        expect(s.build, name).toEqual({ context: "..", dockerfile: "Dockerfile" });
        continue;
      }
      const tag = (s.image as string).split(":")[1];
      expect(tag, `${name}: ${s.image}`).toMatch(/^v?\d+/);
    }
    expect(services.postgres?.image).toBe("postgres:15");
  });

  it("gives every process of the service the settings it needs, and the same ones", () => {
    for (const name of agents) {
      const env = services[name]?.environment ?? {};
      expect(env.DATABASE_URL, name).toMatch(
        /^postgres:\/\/agents:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/agents$/,
      );
      expect(env.ADMIN_API_KEY, name).toMatch(/^\$\{ADMIN_API_KEY:\?/);
      expect(env.SECRETS_KEY, name).toBe("${SECRETS_KEY:-}");
      expect(env.SMTP_URL, name).toBe("smtp://mailpit:1025");
      expect(env.WORKSPACES_DIR, name).toBe("/workspaces");
      expect(services[name]?.depends_on?.postgres?.condition, name).toBe("service_healthy");
    }
    // The password PostgreSQL is started with is the one in the URL.
    expect(services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it("has settings the service accepts (loadConfig parses each process's environment)", () => {
    for (const name of agents) {
      const env = Object.fromEntries(
        Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), sampleVars)]),
      );
      // The image's own ENV lines, as the container sees them.
      const config = loadConfig({ HOST: "0.0.0.0", PORT: "4000", DATA_DIR: "/data", ...env });
      expect(config.databaseUrl, name).toBe("postgres://agents:pw-for-the-test@postgres:5432/agents");
      expect(config.workspacesDir, name).toBe("/workspaces");
    }
  });

  it("mounts one shared workspaces volume on every process, and a data volume of its own on each", () => {
    const dataVolumes = new Set<string>();
    for (const name of agents) {
      const volumes = services[name]?.volumes ?? [];
      expect(volumes, name).toContain("workspaces:/workspaces");
      const data = volumes.find((v) => v.endsWith(":/data"));
      expect(data, name).toBeTruthy();
      dataVolumes.add(data as string);
    }
    expect(dataVolumes.size).toBe(agents.length);
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(["pgdata", "workspaces"]));
  });

  it("runs the sandbox's processes with the flags docs/deployment.md gives, and publishes on loopback only", () => {
    for (const name of agents) {
      const s = services[name] as Service;
      expect(s.security_opt, name).toEqual(
        expect.arrayContaining(["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]),
      );
      expect(s.cap_drop, name).toEqual(["ALL"]);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    }
    // Workers serve no HTTP: the image's /healthz check is off for them; PostgreSQL has its own.
    for (const name of workers) expect(services[name]?.healthcheck?.disable, name).toBe(true);
    expect(services.postgres?.healthcheck?.test?.join(" ")).toContain("pg_isready");
  });
});

describe("docker compose config", () => {
  const dir = mkdtempSync(join(tmpdir(), "compose-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts the file", async (ctx) => {
    const hasCompose = await run("docker", ["compose", "version"]).then(
      () => true,
      () => false,
    );
    ctx.skip(!hasCompose, "the docker client's compose plugin is not installed here");
    const envFile = join(dir, ".env");
    writeFileSync(
      envFile,
      Object.entries(sampleVars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
    const { stdout } = await run("docker", ["compose", "-f", composeFile, "--env-file", envFile, "config"]);
    const resolved = parse(stdout) as Compose;
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(services).sort());
  });
});
