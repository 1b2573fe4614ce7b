/**
 * The board's state (pure: unit-tested in board-state.test.ts): the tasks by id and, per status,
 * the column's tasks newest first (by id: UUIDv7 ids grow with creation time). An update
 * replaces only the task it changes and only the columns it touches, so memoized columns and
 * cards that did not change keep their identity and do not re-render.
 */

export const statuses = ["PENDING", "DESIGN", "BUILD", "TEST", "REVIEW", "COMPLETE", "FAILED", "CANCELLED"] as const;
export type Status = (typeof statuses)[number];
/** Columns of finished tasks: shown shorter (their newest first). */
export const finished: readonly Status[] = ["COMPLETE", "FAILED", "CANCELLED"];

export interface BoardTask {
  id: string;
  title: string;
  description: string;
  status: Status;
  priority: number;
  complexity: number;
  awaitingApproval: boolean;
  pausedAt?: string | null;
  updatedAt: string;
  createdAt: string;
  progress: { percent: number };
  assignedAgent?: { id: string; name: string } | null;
}

export interface Filters {
  statuses: Status[];
  agentId: string | null;
  minPriority: number | null;
  q: string;
}

export const noFilters: Filters = { statuses: [], agentId: null, minPriority: null, q: "" };

export type Columns = Record<Status, readonly BoardTask[]>;

export interface BoardState {
  byId: ReadonlyMap<string, BoardTask>;
  columns: Columns;
}

const emptyColumns = (): Columns =>
  Object.fromEntries(statuses.map((s) => [s, [] as BoardTask[]])) as unknown as Columns;

export const emptyBoard: BoardState = { byId: new Map(), columns: emptyColumns() };

const isStatus = (s: string): s is Status => (statuses as readonly string[]).includes(s);

/** Whether the task passes the filters (the same rules as the API's TaskFilter). */
export function matches(task: BoardTask, f: Filters): boolean {
  if (f.statuses.length > 0 && !f.statuses.includes(task.status)) return false;
  if (f.agentId && task.assignedAgent?.id !== f.agentId) return false;
  if (f.minPriority !== null && task.priority < f.minPriority) return false;
  const q = f.q.trim().toLowerCase();
  if (q && !task.title.toLowerCase().includes(q) && !task.description.toLowerCase().includes(q)) return false;
  return true;
}

/** Newest first: ids compare as creation order (UUIDv7). */
const newerFirst = (a: BoardTask, b: BoardTask) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The board of a freshly loaded list (any order); tasks not matching the filters are left out. */
export function fromList(tasks: readonly BoardTask[], f: Filters = noFilters): BoardState {
  const byId = new Map<string, BoardTask>();
  for (const t of tasks) if (isStatus(t.status) && matches(t, f)) byId.set(t.id, t);
  const columns = emptyColumns() as Record<Status, BoardTask[]>;
  for (const t of byId.values()) columns[t.status].push(t);
  for (const s of statuses) columns[s].sort(newerFirst);
  return { byId, columns };
}

/** Position where `task` goes in a newest-first column (binary search). */
function insertAt(column: readonly BoardTask[], task: BoardTask): number {
  let lo = 0;
  let hi = column.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newerFirst(column[mid]!, task) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const time = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};

/**
 * Applies live changes (in arrival order). A change older than the task shown (updatedAt) is
 * ignored; a task that no longer matches the filters leaves the board; a new one that matches
 * is inserted. Returns `state` itself when nothing changed.
 */
export function applyUpdates(state: BoardState, updates: readonly BoardTask[], f: Filters = noFilters): BoardState {
  let byId: Map<string, BoardTask> | null = null;
  const columns = { ...state.columns } as Record<Status, BoardTask[]>;
  const copied = new Set<Status>();
  const column = (s: Status) => {
    if (!copied.has(s)) {
      copied.add(s);
      columns[s] = columns[s].slice();
    }
    return columns[s];
  };
  const remove = (t: BoardTask) => {
    const col = column(t.status);
    const i = col.indexOf(t);
    if (i >= 0) col.splice(i, 1);
  };
  for (const next of updates) {
    if (!isStatus(next.status)) continue;
    const map: ReadonlyMap<string, BoardTask> = byId ?? state.byId;
    const prev = map.get(next.id);
    if (prev && time(next.updatedAt) < time(prev.updatedAt)) continue;
    const keep = matches(next, f);
    if (!prev && !keep) continue;
    byId ??= new Map(state.byId);
    if (prev) remove(prev);
    if (keep) {
      const col = column(next.status);
      col.splice(insertAt(col, next), 0, next);
      byId.set(next.id, next);
    } else byId.delete(next.id);
  }
  if (!byId) return state;
  return { byId, columns };
}

/**
 * A reloaded list (after a reconnect) merged with what the board holds: a task the board has in
 * a newer version keeps it; tasks missing from the list leave, unless created after the reload
 * began (`since`, ms) — those came live while it ran.
 */
export function mergeReload(state: BoardState, list: readonly BoardTask[], since: number, f: Filters): BoardState {
  const merged = new Map<string, BoardTask>();
  for (const t of list) {
    const shown = state.byId.get(t.id);
    merged.set(t.id, shown && time(shown.updatedAt) > time(t.updatedAt) ? shown : t);
  }
  for (const t of state.byId.values()) if (!merged.has(t.id) && time(t.createdAt) >= since) merged.set(t.id, t);
  const next = fromList([...merged.values()], f);
  // Keep the identity of unchanged tasks and columns, so nothing re-renders for nothing.
  const byId = new Map<string, BoardTask>();
  for (const [id, t] of next.byId) {
    const old = state.byId.get(id);
    byId.set(id, old && sameTask(old, t) ? old : t);
  }
  const columns = emptyColumns() as Record<Status, BoardTask[]>;
  for (const s of statuses) {
    const col = next.columns[s].map((t) => byId.get(t.id)!);
    const old = state.columns[s];
    columns[s] = old.length === col.length && col.every((t, i) => t === old[i]) ? (old as BoardTask[]) : col;
  }
  return { byId, columns };
}

function sameTask(a: BoardTask, b: BoardTask): boolean {
  return (
    a.updatedAt === b.updatedAt &&
    a.status === b.status &&
    a.title === b.title &&
    a.priority === b.priority &&
    a.awaitingApproval === b.awaitingApproval &&
    (a.pausedAt ?? null) === (b.pausedAt ?? null) &&
    a.progress.percent === b.progress.percent &&
    (a.assignedAgent?.id ?? null) === (b.assignedAgent?.id ?? null)
  );
}

/** Filters from the URL's query string: `?status=BUILD,TEST&agent=<id>&priority=50&q=text`. */
export function filtersFromSearch(search: URLSearchParams): Filters {
  const list = search.getAll("status").flatMap((s) => s.split(","));
  const chosen = statuses.filter((s) => list.includes(s));
  const p = search.get("priority");
  const n = p === null || p.trim() === "" ? NaN : Number(p);
  return {
    statuses: chosen,
    agentId: search.get("agent") || null,
    minPriority: Number.isInteger(n) && n >= 0 && n <= 100 ? n : null,
    q: search.get("q") ?? "",
  };
}

/** The query string of `f` ("" without filters), in a stable order. */
export function searchOfFilters(f: Filters): string {
  const p = new URLSearchParams();
  if (f.statuses.length > 0) p.set("status", statuses.filter((s) => f.statuses.includes(s)).join(","));
  if (f.agentId) p.set("agent", f.agentId);
  if (f.minPriority !== null) p.set("priority", String(f.minPriority));
  if (f.q.trim()) p.set("q", f.q);
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const hasFilters = (f: Filters) =>
  f.statuses.length > 0 || f.agentId !== null || f.minPriority !== null || f.q.trim() !== "";

/** The API's TaskFilter for `f`. */
export function apiFilter(f: Filters): {
  status?: Status[];
  agentId?: string;
  minPriority?: number;
  search?: string;
} {
  return {
    ...(f.statuses.length > 0 ? { status: f.statuses } : {}),
    ...(f.agentId ? { agentId: f.agentId } : {}),
    ...(f.minPriority !== null ? { minPriority: f.minPriority } : {}),
    ...(f.q.trim() ? { search: f.q.trim().slice(0, 200) } : {}),
  };
}
