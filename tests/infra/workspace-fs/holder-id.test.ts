import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HOLDER_ID_FILE, holderIdOf } from "../../../src/infra/workspace-fs/holder-id.js";

describe("holderIdOf", () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "holder-id-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("makes an id at the first start, keeps it private, and reads the same one at every later start", () => {
    const d = dir();
    const id = holderIdOf(d);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(statSync(join(d, HOLDER_ID_FILE)).mode & 0o777).toBe(0o600);
    expect(holderIdOf(d)).toBe(id);
    expect(readFileSync(join(d, HOLDER_ID_FILE), "utf8").trim()).toBe(id);
  });

  it("gives different folders different ids", () => {
    expect(holderIdOf(dir())).not.toBe(holderIdOf(dir()));
  });

  it("keeps an id an operator wrote (a moved disk keeps its holder)", () => {
    const d = dir();
    writeFileSync(join(d, HOLDER_ID_FILE), "worker-east-1\n");
    expect(holderIdOf(d)).toBe("worker-east-1");
  });
});
