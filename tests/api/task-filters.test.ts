import { afterAll, beforeAll, expect, it } from "vitest";
import { CreateAgentDocument, CreateTaskDocument, TasksDocument, type TaskFilter } from "../generated/graphql.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describeProfiles("tasks(filter: { search, minPriority })", (profile) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(profile);
    const make = (title: string, priority: number, description?: string) =>
      s.ok(CreateTaskDocument, { input: { title, priority, complexity: 9, description } });
    await make("Fix the LOGIN page", 10, "Users see a blank page");
    await make("Write docs", 50, "Explain the login flow");
    await make("100% coverage", 80);
    await make("snake_case names", 5, "rename back\\slash things");
    await make("Ünïcode title", 30, "plain");
  });
  afterAll(() => s?.stop());

  const titles = async (filter: TaskFilter) =>
    (await s.ok(TasksDocument, { first: 100, filter })).tasks.edges.map((e) => e.node.title).sort();

  it("matches title or description, case-insensitively", async () => {
    expect(await titles({ search: "login" })).toEqual(["Fix the LOGIN page", "Write docs"]);
    expect(await titles({ search: "BLANK" })).toEqual(["Fix the LOGIN page"]);
    expect(await titles({ search: "nothing like it" })).toEqual([]);
    expect(await titles({ search: "" })).toHaveLength(5);
    const page = await s.ok(TasksDocument, { first: 1, filter: { search: "login" } });
    expect(page.tasks.totalCount).toBe(2);
  });

  it("takes % _ and \\ literally", async () => {
    expect(await titles({ search: "%" })).toEqual(["100% coverage"]);
    expect(await titles({ search: "_" })).toEqual(["snake_case names"]);
    expect(await titles({ search: "e_c" })).toEqual(["snake_case names"]);
    expect(await titles({ search: "k\\s" })).toEqual(["snake_case names"]);
    expect(await titles({ search: "0% c" })).toEqual(["100% coverage"]);
  });

  it("filters by minimum priority, combined with the other fields", async () => {
    expect(await titles({ minPriority: 50 })).toEqual(["100% coverage", "Write docs"]);
    expect(await titles({ minPriority: 0 })).toHaveLength(5);
    expect(await titles({ minPriority: 20, search: "login" })).toEqual(["Write docs"]);
    expect(await titles({ minPriority: 20, status: ["PENDING"], search: "co" })).toEqual([
      "100% coverage",
      "Ünïcode title",
    ]);
    expect(await titles({ minPriority: 20, status: ["COMPLETE"] })).toEqual([]);
  });

  it("filters by agent together with search", async () => {
    const agent = (await s.ok(CreateAgentDocument, { input: { name: `filter-agent-${profile}` } })).createAgent;
    expect(await titles({ agentId: agent.id, search: "login" })).toEqual([]);
  });

  it("refuses bad values with BAD_USER_INPUT naming each field", async () => {
    const r = await s.gql(TasksDocument, {
      first: 10,
      filter: { search: "x".repeat(201), minPriority: 101 },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const fields = (r.errors?.[0]?.extensions?.fields as Array<{ path: string }>).map((f) => f.path).sort();
    expect(fields).toEqual(["filter.minPriority", "filter.search"]);
    const neg = await s.gql(TasksDocument, { first: 10, filter: { minPriority: -1 } });
    expect(neg.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const ok = await s.gql(TasksDocument, { first: 10, filter: { search: "x".repeat(200) } });
    expect(ok.errors).toBeUndefined();
  });
});
