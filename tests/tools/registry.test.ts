import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fileTools } from "../../src/tools/files/files.tools.js";
import { pythonTools } from "../../src/tools/python/python.tools.js";
import {
  defineTool,
  summariseInput,
  toFunctionSchema,
  ToolRegistry,
  workspaceInput,
} from "../../src/tools/registry.js";
import { terminalTools } from "../../src/tools/terminal/terminal.tools.js";

/** Every tool, as the runtime will offer them to a model (the deps are not used to describe them). */
const registry = () =>
  new ToolRegistry().register(
    ...fileTools(),
    ...terminalTools({} as never),
    ...pythonTools({ packages: { allow: [], deny: [] } } as never),
  );

describe("tool registry", () => {
  it("turns every tool into an LLM function with a JSON schema naming its workspace", () => {
    const tools = registry().list();
    expect(tools.map((t) => t.id).sort()).toEqual(
      [
        "appendFile",
        "deleteFile",
        "installPackages",
        "listFiles",
        "makeDirectory",
        "moveFile",
        "readFile",
        "runCommand",
        "runPython",
        "stat",
        "writeFile",
      ].sort(),
    );
    for (const t of tools) {
      const f = toFunctionSchema(t);
      expect(f.type).toBe("function");
      expect(f.function.name).toBe(t.id);
      expect(f.function.description.length).toBeGreaterThan(20);
      const params = f.function.parameters as { type: string; properties: Record<string, unknown>; required: string[] };
      expect(params.type).toBe("object");
      expect(params.properties.workspaceId).toBeDefined();
      expect(params.required).toContain("workspaceId");
    }
  });

  it("refuses a tool without a workspace, a bad id and a duplicate", () => {
    expect(() =>
      defineTool({
        id: "noWorkspace",
        description: "x",
        input: z.object({ a: z.string() }),
        output: z.any(),
        policy: { roles: ["ADMIN"], sandbox: false, network: false },
        execute: async () => null,
      }),
    ).toThrow(/workspaceId/);
    expect(() =>
      defineTool({
        id: "Bad-Id",
        description: "x",
        input: workspaceInput,
        output: z.any(),
        policy: { roles: ["ADMIN"], sandbox: false, network: false },
        execute: async () => null,
      }),
    ).toThrow(/camelCase/);
    expect(() => new ToolRegistry().register(...fileTools(), ...fileTools())).toThrow(/twice/);
  });

  it("records inputs without long contents or environment values", () => {
    const recorded = summariseInput({ path: "a", content: "x".repeat(2_000), env: { TOKEN: "s3cret" } });
    expect(JSON.stringify(recorded)).not.toContain("s3cret");
    expect(recorded).toMatchObject({ path: "a", env: ["TOKEN"] });
    expect(String((recorded as { content: string }).content).length).toBeLessThan(600);
  });
});
