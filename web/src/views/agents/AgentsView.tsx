/**
 * The agents: a table on wide screens, cards on narrow ones, kept live by agentChanged (graphcache
 * updates each row by id; an agent the list does not have yet makes it load again). Operators
 * create, edit, pause and resume them.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { useCan } from "../../app/auth";
import { Link } from "../../app/router";
import type { AgentRowFieldsFragment } from "../../gql/graphql";
import { apiErrors, type ApiError } from "../../lib/errors";
import { humanize, timeAgo, tokens, usd } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Empty, QueryState } from "../../ui/States";
import { StatusBadge } from "../../ui/StatusBadge";
import { AgentDialog } from "./AgentDialog";
import { AgentsListDoc, AgentsLiveDoc, PauseAgentViewDoc, ResumeAgentViewDoc } from "./queries";
import "./agents.css";

type Agent = AgentRowFieldsFragment;

/** The time now, ticking every `ms` (for "heartbeat 12 s ago"). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (cb) => {
      const m = matchMedia(query);
      m.addEventListener("change", cb);
      return () => m.removeEventListener("change", cb);
    },
    () => matchMedia(query).matches,
  );
}

export default function AgentsView() {
  const can = useCan();
  const [result, refetch] = useQuery({ query: AgentsListDoc, variables: {} });
  const [editing, setEditing] = useState<Agent | null | "new">(null);
  const reload = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  const known = new Set(result.data?.agents.edges.map((e) => e.node.id));
  const [live] = useSubscription({ query: AgentsLiveDoc });
  const changed = live.data?.agentChanged;
  const unknown = changed && result.data && !known.has(changed.id);
  useEffect(() => {
    if (unknown) reload();
  }, [unknown, reload]);

  return (
    <section className="agents-view" aria-labelledby="agents-title">
      <div className="page-header">
        <h1 id="agents-title">Agents</h1>
        {can.operate ? (
          <button type="button" className="button-primary" onClick={() => setEditing("new")}>
            Create agent
          </button>
        ) : null}
      </div>
      <QueryState result={result} label="the agents">
        {(data) =>
          data.agents.edges.length === 0 ? (
            <Empty>
              <h2>No agents yet</h2>
              <p>{can.operate ? "No agents yet: create one." : "No agents yet: an operator can create one."}</p>
            </Empty>
          ) : (
            <>
              <AgentList agents={data.agents.edges.map((e) => e.node)} onEdit={setEditing} />
              {data.agents.totalCount > data.agents.edges.length ? (
                <p className="muted">
                  Showing the newest {data.agents.edges.length} of {data.agents.totalCount} agents.
                </p>
              ) : null}
            </>
          )
        }
      </QueryState>
      {can.operate ? (
        <AgentDialog
          key={editing === null ? "closed" : editing === "new" ? "new" : editing.id}
          open={editing !== null}
          agent={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      ) : null}
    </section>
  );
}

function AgentList({ agents, onEdit }: { agents: Agent[]; onEdit: (a: Agent) => void }) {
  const wide = useMedia("(min-width: 900px)");
  const now = useNow(5_000);
  const [errors, setErrors] = useState<ApiError[]>([]);
  if (!wide)
    return (
      <>
        <ErrorList errors={errors} />
        <ul className="agent-cards">
          {agents.map((a) => (
            <li key={a.id} className="card agent-card" data-agent={a.name}>
              <h2 className="agent-card-title">
                {a.name} <StatusBadge status={a.status} />
              </h2>
              <dl className="agent-facts">
                <dt>Kind</dt>
                <dd>{humanize(a.kind)}</dd>
                <dt>Load</dt>
                <dd>
                  <Load agent={a} />
                </dd>
                <dt>Complexity</dt>
                <dd>
                  {a.minComplexity}–{a.maxComplexity}
                </dd>
                <dt>Heartbeat</dt>
                <dd>{timeAgo(a.lastHeartbeatAt, now)}</dd>
                <dt>Model</dt>
                <dd>{a.model ?? "default"}</dd>
                <dt>Usage</dt>
                <dd>
                  {usd(a.usage.costUsd)}, {tokens(a.usage.totalTokens)} tokens
                </dd>
                <dt>Task</dt>
                <dd>
                  <CurrentTask agent={a} />
                </dd>
              </dl>
              <AgentActions agent={a} onEdit={onEdit} onErrors={setErrors} />
            </li>
          ))}
        </ul>
      </>
    );
  return (
    <>
      <ErrorList errors={errors} />
      <div className="table-wrap">
        <table className="agents-table" aria-label="Agents, newest first">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Load</th>
              <th scope="col">Complexity</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num">
                Tokens
              </th>
              <th scope="col">Current task</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} data-agent={a.name}>
                <th scope="row">{a.name}</th>
                <td>{humanize(a.kind)}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>
                  <Load agent={a} />
                </td>
                <td>
                  {a.minComplexity}–{a.maxComplexity}
                </td>
                <td title={a.lastHeartbeatAt ?? undefined}>{timeAgo(a.lastHeartbeatAt, now)}</td>
                <td>{a.model ?? <span className="muted">default</span>}</td>
                <td className="num">{usd(a.usage.costUsd)}</td>
                <td className="num">{tokens(a.usage.totalTokens)}</td>
                <td>
                  <CurrentTask agent={a} />
                </td>
                <td>
                  <AgentActions agent={a} onEdit={onEdit} onErrors={setErrors} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Load({ agent: a }: { agent: Agent }) {
  return (
    <span className="load">
      <meter
        min={0}
        max={Math.max(1, a.maxConcurrentTasks)}
        value={a.activeTasks}
        aria-label={`${a.name}: ${a.activeTasks} of ${a.maxConcurrentTasks} tasks`}
      />{" "}
      {a.activeTasks}/{a.maxConcurrentTasks}
    </span>
  );
}

function CurrentTask({ agent: a }: { agent: Agent }) {
  if (!a.currentTask) return <span className="muted">none</span>;
  return <Link to={`/tasks/${a.currentTask.id}`}>{a.currentTask.title}</Link>;
}

function AgentActions({
  agent: a,
  onEdit,
  onErrors,
}: {
  agent: Agent;
  onEdit: (a: Agent) => void;
  onErrors: (e: ApiError[]) => void;
}) {
  const can = useCan();
  const [pausing, pause] = useMutation(PauseAgentViewDoc);
  const [resuming, resume] = useMutation(ResumeAgentViewDoc);
  if (!can.operate) return null;
  const paused = a.status === "PAUSED";
  const toggle = async () => {
    const r = paused ? await resume({ id: a.id }) : await pause({ id: a.id });
    onErrors(apiErrors(r.error));
  };
  return (
    <div className="actions agent-actions">
      <button type="button" onClick={() => onEdit(a)} aria-label={`Edit ${a.name}`}>
        Edit
      </button>
      <button
        type="button"
        onClick={() => void toggle()}
        disabled={pausing.fetching || resuming.fetching}
        aria-label={`${paused ? "Resume" : "Pause"} ${a.name}`}
      >
        {paused ? "Resume" : "Pause"}
      </button>
    </div>
  );
}
