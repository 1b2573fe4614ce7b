import { AgentRecord, type TaskRecord } from "../records.js";
import { badInput, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { agentKinds, agentStatuses, limits, type AgentKind, type AgentStatus } from "../terms.js";
import type { AssignmentService } from "../assignment/assignment.service.js";
import type { Channel } from "../shared/channel.js";
import type { Deps } from "../shared/deps.js";
import { watch } from "../shared/watch.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { checkAll, optional, int, modelList, oneOf, text } from "../shared/validate.js";
import { activeStatuses } from "../tasks/task-state.js";
import { parseRecipientAllowList } from "../outbox/outbox.types.js";
import type { AgentStore } from "./agent.store.js";

export interface AgentRuntimeSettings {
  /** Default model or comma-separated fallback list of a builtin agent. */
  model?: string | null;
  /** The agent's role, at the top of its conversations. */
  instructions?: string | null;
  /** Tool ids its runtime may use (null: all). */
  tools?: string[] | null;
  /** Its tasks wait in REVIEW for approveTask. */
  requiresApproval?: boolean | null;
  /** Who its sendEmail may write to (addresses, @domain), replacing EMAIL_ALLOWED_RECIPIENTS for it; [] refuses every address. */
  emailRecipients?: string[] | null;
}

export interface CreateAgentInput extends AgentRuntimeSettings {
  name: string;
  minComplexity?: number | null;
  maxComplexity?: number | null;
  maxConcurrentTasks?: number | null;
  kind?: AgentKind | null;
}

export interface UpdateAgentInput extends AgentRuntimeSettings {
  name?: string | null;
  minComplexity?: number | null;
  maxComplexity?: number | null;
  maxConcurrentTasks?: number | null;
  clearModel?: boolean | null;
  clearTools?: boolean | null;
  /** Back to EMAIL_ALLOWED_RECIPIENTS for its sendEmail. */
  clearEmailRecipients?: boolean | null;
}

const toolId = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function toolList(value: readonly string[]): string[] {
  if (value.length > 100) throw badInput("tools", "may name at most 100 tools");
  for (const t of value) if (!toolId.test(t)) throw badInput("tools", `"${t.slice(0, 60)}" is not a tool id`);
  return [...new Set(value)];
}

function recipientList(value: readonly string[]): string[] {
  if (value.length > limits.emailRecipients) {
    throw badInput("emailRecipients", `may name at most ${limits.emailRecipients} addresses or @domains`);
  }
  try {
    return [...new Set(parseRecipientAllowList(value.join(" ")))];
  } catch (err) {
    throw badInput("emailRecipients", (err as Error).message);
  }
}

/** The runtime settings of an input, validated; only those given. */
function runtimeSettings(input: AgentRuntimeSettings): Partial<AgentRecord> {
  const v = checkAll({
    model: () => optional(input.model, (m) => modelList("model", m)),
    instructions: () =>
      optional(input.instructions, (i) => text("instructions", i, { max: limits.instructionsLength }) || null),
    tools: () => optional(input.tools, toolList),
    emailRecipients: () => optional(input.emailRecipients, recipientList),
  });
  const out: Partial<AgentRecord> = {};
  if (v.model !== null) out.model = v.model;
  if (input.instructions !== undefined && input.instructions !== null) out.instructions = v.instructions;
  if (v.tools !== null) out.tools = v.tools;
  if (v.emailRecipients !== null) out.emailRecipients = v.emailRecipients;
  if (input.requiresApproval !== undefined && input.requiresApproval !== null) {
    out.requiresApproval = input.requiresApproval;
  }
  return out;
}

/** A new agent's row: available, with no task yet, and no settings beyond the given ones. */
export function newAgentRow(
  fields: Pick<AgentRecord, "name" | "kind" | "minComplexity" | "maxComplexity" | "maxConcurrentTasks"> &
    Partial<AgentRecord>,
  now: Date,
): AgentRecord {
  return Object.assign(new AgentRecord(), {
    id: newId(),
    status: "AVAILABLE" as const,
    activeTasks: 0,
    lastActiveAt: null,
    lastHeartbeatAt: null,
    toolPolicy: null,
    model: null,
    instructions: null,
    tools: null,
    requiresApproval: false,
    emailRecipients: null,
    ...fields,
    createdAt: now,
    updatedAt: now,
  });
}

export interface AgentFilter {
  status?: AgentStatus[] | null;
}

const { min: cMin, max: cMax } = limits.complexity;
const { min: ccMin, max: ccMax } = limits.maxConcurrentTasks;

function checkRange(min: number, max: number): void {
  if (min > max) throw badInput("minComplexity", `must not exceed maxComplexity (${min} > ${max})`);
}

export class AgentService {
  constructor(
    private readonly deps: Deps,
    private readonly store: AgentStore,
    private readonly assignment: AssignmentService,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async create(input: CreateAgentInput): Promise<AgentRecord> {
    const { name, minComplexity, maxComplexity, maxConcurrentTasks, kind, settings } = checkAll({
      name: () => text("name", input.name, { min: 1, max: limits.nameLength }),
      minComplexity: () => int("minComplexity", input.minComplexity ?? cMin, cMin, cMax),
      maxComplexity: () => int("maxComplexity", input.maxComplexity ?? cMax, cMin, cMax),
      maxConcurrentTasks: () => int("maxConcurrentTasks", input.maxConcurrentTasks ?? 1, ccMin, ccMax),
      kind: () => oneOf("kind", input.kind ?? "EXTERNAL", agentKinds),
      settings: () => runtimeSettings(input),
    });
    checkRange(minComplexity, maxComplexity);
    const now = this.now();
    const agent = newAgentRow({ name, kind, minComplexity, maxComplexity, maxConcurrentTasks, ...settings }, now);
    await this.deps.transact(async (tx, out) => {
      await this.store.insert(tx, agent);
      out.push({ topic: "AGENT_CHANGED", payload: { agentId: agent.id } });
    });
    // A new agent is available: it takes the pending tasks that fit it.
    if (await this.assignment.fillAgent(agent.id)) return (await this.get(agent.id)) ?? agent;
    return agent;
  }

  async update(id: string, input: UpdateAgentInput): Promise<AgentRecord> {
    const v = checkAll({
      name: () => optional(input.name, (n) => text("name", n, { min: 1, max: limits.nameLength })),
      minComplexity: () => optional(input.minComplexity, (c) => int("minComplexity", c, cMin, cMax)),
      maxComplexity: () => optional(input.maxComplexity, (c) => int("maxComplexity", c, cMin, cMax)),
      maxConcurrentTasks: () => optional(input.maxConcurrentTasks, (c) => int("maxConcurrentTasks", c, ccMin, ccMax)),
      settings: () => runtimeSettings(input),
    });
    const settings = v.settings;
    if (input.clearModel) settings.model = null;
    if (input.clearTools) settings.tools = null;
    if (input.clearEmailRecipients) settings.emailRecipients = null;
    const updated = await this.deps.transact(async (tx, out) => {
      const agent = isId(id) ? await this.store.getIn(tx, id) : null;
      if (!agent) throw notFound("Agent", id);
      const before = agent.name;
      if (v.name !== null) agent.name = v.name;
      if (v.minComplexity !== null) agent.minComplexity = v.minComplexity;
      if (v.maxComplexity !== null) agent.maxComplexity = v.maxComplexity;
      checkRange(agent.minComplexity, agent.maxComplexity);
      if (v.maxConcurrentTasks !== null) {
        agent.maxConcurrentTasks = v.maxConcurrentTasks;
        if (agent.status === "BUSY" && agent.activeTasks < agent.maxConcurrentTasks) agent.status = "AVAILABLE";
        if (agent.status === "AVAILABLE" && agent.activeTasks >= agent.maxConcurrentTasks) agent.status = "BUSY";
      }
      agent.updatedAt = this.now();
      Object.assign(agent, settings);
      await this.store.update(tx, agent.id, {
        ...settings,
        name: agent.name,
        minComplexity: agent.minComplexity,
        maxComplexity: agent.maxComplexity,
        maxConcurrentTasks: agent.maxConcurrentTasks,
        status: agent.status,
        updatedAt: agent.updatedAt,
      });
      out.push({
        topic: "AGENT_CHANGED",
        payload: agent.name === before ? { agentId: agent.id } : { agentId: agent.id, name: agent.name },
      });
      return agent;
    });
    // A wider range or more room may let the agent take pending tasks.
    if (await this.assignment.fillAgent(updated.id)) return (await this.get(updated.id)) ?? updated;
    return updated;
  }

  /** The agent an id or a name names, or null. */
  async find(idOrName: string): Promise<AgentRecord | null> {
    return isId(idOrName) ? this.get(idOrName) : this.store.byName(idOrName);
  }

  async get(id: string): Promise<AgentRecord | null> {
    return isId(id) ? this.store.get(id) : null;
  }

  async require(id: string, field = "id"): Promise<AgentRecord> {
    const agent = await this.get(id);
    if (!agent) throw notFound("Agent", id, field);
    return agent;
  }

  async byIds(ids: readonly string[]): Promise<Map<string, AgentRecord>> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return new Map();
    const rows = await this.store.byIds(valid);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The task each agent is working on now (an active status), if any. */
  async currentTasks(agentIds: readonly string[]): Promise<Map<string, TaskRecord>> {
    const valid = agentIds.filter(isId);
    if (valid.length === 0) return new Map();
    const rows = await this.store.tasksOf(valid, activeStatuses);
    const out = new Map<string, TaskRecord>();
    for (const t of rows) if (t.assignedAgentId && !out.has(t.assignedAgentId)) out.set(t.assignedAgentId, t);
    return out;
  }

  async list(args: PageArgs & { filter?: AgentFilter | null }): Promise<Page<AgentRecord>> {
    const { range, statuses } = checkAll({
      range: () => keyset(args),
      statuses: () => (args.filter?.status ?? []).map((s) => oneOf("filter.status", s, agentStatuses)),
    });
    const rows = await this.store.page(statuses, range);
    return toPage(rows, range, () => this.store.count(statuses));
  }

  /** Live agent changes, optionally of one agent. */
  watch(agentId?: string | null): Channel<AgentRecord> {
    return watch(
      this.deps.pubsub,
      "AGENT_CHANGED",
      (p) => (agentId && p.agentId !== agentId ? Promise.resolve(null) : this.get(p.agentId)),
      () => true,
    );
  }
}
