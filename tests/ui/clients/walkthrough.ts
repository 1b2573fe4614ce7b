/**
 * The README's first walk-through as a web app runs it, shared by the Apollo Client and the urql
 * page (bundled into each; it runs in Chromium). Each page wraps its library in a
 * `ClientAdapter`, and the test calls `window.clientApp` with `page.evaluate`.
 */

/** Where the API is and which key to send. */
export interface ApiTarget {
  httpUrl: string;
  wsUrl: string;
  key: string;
}

/** One HTTP request the library sent, as the page's fetch saw it. */
export interface RecordedRequest {
  method: string;
  operationName: string | null;
  contentType: string | null;
  /** The query's text was sent (in the body, or in the URL of a GET). */
  withQuery: boolean;
  /** An APQ hash was sent (`extensions.persistedQuery.sha256Hash`). */
  withHash: boolean;
  status: number;
  /** `extensions.code` of each error in the answer. */
  errorCodes: string[];
}

/** One result of a query or mutation, as the library hands it to the app. */
export interface RecordedResult {
  operationName: string;
  ok: boolean;
  extensions: Record<string, unknown> | null;
}

/** A task event's typed `details`: a member of the union `TaskEventDetails`. */
export interface EventDetails {
  __typename: string;
  /** StatusChangeDetails only (an inline fragment on that member). */
  from?: string | null;
  to?: string;
}

export interface TaskEventItem {
  seq: number;
  type: string;
  content: string;
  data: unknown;
  details: EventDetails | null;
}

/** What `node` and `nodes` (the interface `Node`) gave, with an inline fragment on each type asked for. */
export interface NodeItem {
  __typename: string;
  id: string;
  title?: string;
  status?: string;
  name?: string;
}

export interface WalkthroughResult {
  ids: { agent: string; task: string };
  agent: { name: string; kind: string; status: string };
  task: { title: string; status: string; assignedAgent: unknown };
  /** `node(id)` of the task, and `nodes(ids)` of the agent and the task. */
  node: NodeItem | null;
  nodes: Array<NodeItem | null>;
  page: { totalCount: number; hasNextPage: boolean; endCursor: string | null; titles: string[]; cursors: string[] };
  /** The backward page, `tasks(last: 1)`. */
  lastPage: { ids: string[]; hasPreviousPage: boolean; startCursor: string | null };
  statuses: string[];
  lastEventSeq: number;
  /** The events as the subscription brought them. */
  events: TaskEventItem[];
  /** The events as `task(id) { events }` lists them afterwards. */
  listedEvents: Array<Omit<TaskEventItem, "content">>;
  subscription: { completed: boolean; error: string | null };
  wrongKey: { graphQLErrorCodes: unknown[]; networkError: boolean; data: unknown };
  results: RecordedResult[];
  requests: RecordedRequest[];
}

/** What each page puts on `window.clientApp`. */
export interface ClientApp {
  walkthrough(target: ApiTarget): Promise<WalkthroughResult>;
  /**
   * Reads a task's usage in two shapes (`runControl`) through a cache with README's settings or
   * with none: the second warns, which shows the test's console collector would see a warning.
   */
  readUsageTwice(target: ApiTarget, settings: "readme" | "none"): Promise<void>;
  /**
   * Reads objects of an interface and of a union with inline fragments on their members
   * (`runFragmentControl`) through a cache with README's settings, or with them but for what
   * they take from the schema (Apollo's `possibleTypes`, graphcache's `schema`): the second warns.
   */
  readFragments(target: ApiTarget, settings: "readme" | "without schema"): Promise<void>;
}

export type Variables = Record<string, unknown>;

export interface Sink<T> {
  next(data: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** The error a query gets, as the library reports it. */
export interface ErrorReport {
  graphQLErrorCodes: unknown[];
  networkError: boolean;
  data: unknown;
}

/** One library behind the walk-through: queries, mutations and subscriptions its own way. */
export interface ClientAdapter {
  /** `fresh`: from the server even when the cache has the answer. */
  query<T>(document: string, variables: Variables, fresh?: boolean): Promise<T>;
  mutate<T>(document: string, variables: Variables): Promise<T>;
  subscribe<T>(document: string, variables: Variables, sink: Sink<T>): () => void;
  /** Runs a query and reports its error instead of throwing it. */
  failingQuery(document: string, variables: Variables): Promise<ErrorReport>;
  dispose(): void;
}

/** The page's browser globals this code uses (the project compiles without the DOM lib). */
export const page = globalThis as unknown as { clientApp?: ClientApp };

/** The longest wait for anything the walk-through expects. */
const waitMs = 20_000;

/** An SHA-256 hex digest by the browser's Web Crypto (127.0.0.1 is a secure context). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const errorCodesOf = (body: unknown): string[] =>
  ((body as { errors?: Array<{ extensions?: { code?: string } }> } | null)?.errors ?? []).map(
    (e) => e.extensions?.code ?? "(no code)",
  );

/** What a GraphQL request carried, from a POST's JSON body or a GET's URL parameters. */
function sentOperation(
  url: URL,
  method: string,
  body: unknown,
): Omit<RecordedRequest, "contentType" | "status" | "errorCodes"> {
  const params = url.searchParams;
  const fromUrl = (name: string): unknown => {
    const value = params.get(name);
    return value && name === "extensions" ? JSON.parse(value) : value;
  };
  const json = method === "GET" ? null : typeof body === "string" ? (JSON.parse(body) as Record<string, unknown>) : {};
  const field = (name: string) => (json ? json[name] : fromUrl(name));
  const extensions = field("extensions") as { persistedQuery?: { sha256Hash?: string } } | null | undefined;
  return {
    method,
    operationName: (field("operationName") as string | null | undefined) ?? null,
    withQuery: typeof field("query") === "string",
    withHash: typeof extensions?.persistedQuery?.sha256Hash === "string",
  };
}

/** A fetch that records each request and its answer's status and error codes, then passes it on. */
export function recordingFetch(log: RecordedRequest[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const sent = sentOperation(new URL(request.url), request.method, init?.body);
    const response = await fetch(request);
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    log.push({
      ...sent,
      contentType: request.headers.get("content-type"),
      status: response.status,
      errorCodes: errorCodesOf(body),
    });
    return response;
  };
}

/** Waits, event-driven, for a condition over state that `changed()` announces; bounded. */
class Changes {
  private readonly waiters = new Set<() => void>();

  changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  until(check: () => boolean, what: string, state: () => unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        try {
          if (!check()) return;
          finish();
          resolve();
        } catch (e) {
          finish();
          reject(e as Error);
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`waited ${waitMs} ms for ${what}; so far: ${JSON.stringify(state())}`));
      }, waitMs);
      this.waiters.add(attempt);
      attempt();
    });
  }
}

const createAgent = `mutation CreateAgent($input: CreateAgentInput!) {
  createAgent(input: $input) { id name kind status }
}`;

const createTask = `mutation CreateTask($input: CreateTaskInput!) {
  createTask(input: $input) { id title status lastEventSeq assignedAgent { id name } }
}`;

/** A message to the task's agent: a MESSAGE event, whose details are not a StatusChangeDetails. */
const sendTaskMessage = `mutation SendTaskMessage($taskId: ID!, $text: String!) {
  sendTaskMessage(taskId: $taskId, text: $text) { id text }
}`;

/** The task and the agent as objects of the interface `Node`, an inline fragment on each type. */
const nodeQuery = `query Node($id: ID!, $ids: [ID!]!) {
  node(id: $id) { __typename id ... on Task { title status } }
  nodes(ids: $ids) { __typename id ... on Task { title status } ... on Agent { name } }
}`;

/** A page of tasks, as README's step 5 asks for it. */
const tasksQuery = `query Tasks($first: Int) {
  tasks(first: $first) {
    totalCount
    edges { cursor node { id title status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The page at the other end of the list (the oldest task): Relay's backward paging. */
const lastTasksQuery = `query LastTasks($last: Int) {
  tasks(last: $last) { edges { node { id } } pageInfo { hasPreviousPage startCursor } }
}`;

const updateTaskStatus = `mutation UpdateTaskStatus($id: ID!, $status: TaskStatus!, $note: String) {
  updateTaskStatus(id: $id, status: $status, note: $note) { id status lastEventSeq }
}`;

const cancelTask = `mutation CancelTask($id: ID!) {
  cancelTask(id: $id) { id status lastEventSeq }
}`;

/** An event's typed data (the union TaskEventDetails), with an inline fragment on one member. */
const details = `details { __typename ... on StatusChangeDetails { from to } }`;

const taskEvents = `subscription TaskEvents($taskId: ID!, $afterSeq: Int) {
  taskEvents(taskId: $taskId, afterSeq: $afterSeq) { id seq type content data ${details} }
}`;

const taskEventList = `query TaskEventList($id: ID!) {
  task(id: $id) { id events { id seq type data ${details} } }
}`;

const me = `query Me { me { id name role } }`;

interface TaskState {
  id: string;
  status: string;
  lastEventSeq: number;
}
interface TasksPage {
  tasks: {
    totalCount: number;
    edges: Array<{ cursor: string; node: { id: string; title: string; status: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
interface LastTasksPage {
  tasks: {
    edges: Array<{ node: { id: string } }>;
    pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
  };
}

/** The task's events over the subscription, with its end. */
class EventStream {
  readonly events: TaskEventItem[] = [];
  completed = false;
  error: string | null = null;
  private readonly changes = new Changes();
  readonly stop: () => void;

  constructor(api: ClientAdapter, taskId: string) {
    this.stop = api.subscribe<{ taskEvents: TaskEventItem }>(
      taskEvents,
      { taskId, afterSeq: 0 },
      {
        next: (data) => {
          const { seq, type, content, data: stored, details } = data.taskEvents;
          this.events.push({ seq, type, content, data: stored, details });
          this.changes.changed();
        },
        error: (e) => {
          this.error = e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e);
          this.changes.changed();
        },
        complete: () => {
          this.completed = true;
          this.changes.changed();
        },
      },
    );
  }

  /** Until the event numbered `seq` has arrived; fails at once if the subscription ends first. */
  reached(seq: number, what: string): Promise<void> {
    return this.changes.until(
      () => {
        if (this.events.some((e) => e.seq >= seq)) return true;
        if (this.completed || this.error !== null) {
          throw new Error(`the subscription ended before event ${seq}: ${JSON.stringify(this.state())}`);
        }
        return false;
      },
      `event ${seq} (${what})`,
      () => this.state(),
    );
  }

  ended(): Promise<void> {
    return this.changes.until(
      () => this.completed || this.error !== null,
      "the subscription to complete",
      () => this.state(),
    );
  }

  private state() {
    return { seqs: this.events.map((e) => e.seq), completed: this.completed, error: this.error };
  }
}

/**
 * README's walk-through: an agent (EXTERNAL, so no model runs), a task it does not fit (it stays
 * PENDING, so every event is the walk-through's own) and a message to it, both read again
 * through `node` and `nodes`, a page of tasks (twice: the second time the query travels as its
 * APQ hash alone) and the page at the list's other end, the task's events live while its status
 * changes, the subscription's own end at CANCELLED, the events listed afterwards, and a wrong
 * key's error.
 */
export async function runWalkthrough(
  api: ClientAdapter,
  wrongKeyApi: ClientAdapter,
  log: { results: RecordedResult[]; requests: RecordedRequest[] },
): Promise<WalkthroughResult> {
  const agent = (
    await api.mutate<{ createAgent: WalkthroughResult["agent"] & { id: string } }>(createAgent, {
      input: { name: "web-agent", kind: "EXTERNAL", minComplexity: 1, maxComplexity: 3 },
    })
  ).createAgent;
  const task = (
    await api.mutate<{ createTask: WalkthroughResult["task"] & TaskState }>(createTask, {
      input: { title: "Write a README", description: "From a web app", complexity: 8 },
    })
  ).createTask;
  await api.mutate(sendTaskMessage, { taskId: task.id, text: "From a web app" });
  const nodes = await api.query<{ node: NodeItem | null; nodes: Array<NodeItem | null> }>(nodeQuery, {
    id: task.id,
    ids: [agent.id, task.id],
  });
  await api.query<TasksPage>(tasksQuery, { first: 10 });
  const { tasks } = await api.query<TasksPage>(tasksQuery, { first: 10 }, true);
  // From the server: Apollo's Relay pagination would answer from the cache alone, with the list
  // it holds (README says so).
  const { tasks: lastPage } = await api.query<LastTasksPage>(lastTasksQuery, { last: 1 }, true);

  const stream = new EventStream(api, task.id);
  const statuses: string[] = [];
  let last = task.lastEventSeq;
  try {
    await stream.reached(last, "the replayed creation");
    for (const status of ["FAILED", "PENDING"]) {
      const moved = (
        await api.mutate<{ updateTaskStatus: TaskState }>(updateTaskStatus, {
          id: task.id,
          status,
          note: "from a web app",
        })
      ).updateTaskStatus;
      statuses.push(moved.status);
      last = moved.lastEventSeq;
      await stream.reached(last, `the move to ${status}`);
    }
    const cancelled = (await api.mutate<{ cancelTask: TaskState }>(cancelTask, { id: task.id })).cancelTask;
    statuses.push(cancelled.status);
    last = cancelled.lastEventSeq;
    await stream.ended();
  } finally {
    stream.stop();
  }

  const listed = await api.query<{ task: { events: WalkthroughResult["listedEvents"] } | null }>(taskEventList, {
    id: task.id,
  });
  const wrongKey = await wrongKeyApi.failingQuery(me, {});
  return {
    ids: { agent: agent.id, task: task.id },
    agent: { name: agent.name, kind: agent.kind, status: agent.status },
    task: { title: task.title, status: task.status, assignedAgent: task.assignedAgent },
    node: nodes.node,
    nodes: nodes.nodes,
    page: {
      totalCount: tasks.totalCount,
      hasNextPage: tasks.pageInfo.hasNextPage,
      endCursor: tasks.pageInfo.endCursor,
      titles: tasks.edges.map((e) => e.node.title),
      cursors: tasks.edges.map((e) => e.cursor),
    },
    lastPage: {
      ids: lastPage.edges.map((e) => e.node.id),
      hasPreviousPage: lastPage.pageInfo.hasPreviousPage,
      startCursor: lastPage.pageInfo.startCursor,
    },
    statuses,
    lastEventSeq: last,
    events: stream.events,
    listedEvents: (listed.task?.events ?? []).map(({ seq, type, data, details: typed }) => ({
      seq,
      type,
      data,
      details: typed,
    })),
    subscription: { completed: stream.completed, error: stream.error },
    wrongKey,
    ...log,
  };
}

/**
 * The negative control: a task's usage (a type without an id) read in two shapes, which warns in
 * a cache without README's settings.
 */
export async function runControl(api: ClientAdapter): Promise<void> {
  const { createTask: task } = await api.mutate<{ createTask: TaskState }>(createTask, {
    input: { title: "Control", complexity: 8 },
  });
  for (const field of ["calls", "promptTokens"]) {
    await api.query(`query ControlUsage($id: ID!) { task(id: $id) { id usage { ${field} } } }`, { id: task.id });
  }
}

/**
 * The second negative control: an agent and a task read through `nodes` (the inline fragment on
 * Task meets an Agent, the one on Agent a Task), and a task's events (the fragment on
 * StatusChangeDetails meets a MessageDetails). A cache that knows the schema tells these do not
 * match; one that does not warns.
 */
export async function runFragmentControl(api: ClientAdapter): Promise<void> {
  const { createAgent: agent } = await api.mutate<{ createAgent: { id: string } }>(createAgent, {
    // Agents' names are unique: one per run.
    input: { name: `control-${crypto.randomUUID()}`, kind: "EXTERNAL", minComplexity: 1, maxComplexity: 3 },
  });
  const { createTask: task } = await api.mutate<{ createTask: TaskState }>(createTask, {
    input: { title: "Control", complexity: 8 },
  });
  await api.mutate(sendTaskMessage, { taskId: task.id, text: "Control" });
  await api.query(nodeQuery, { id: task.id, ids: [agent.id, task.id] });
  await api.query(taskEventList, { id: task.id });
}
