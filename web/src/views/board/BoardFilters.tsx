import { memo, useEffect, useId, useRef, useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { humanize } from "../../lib/format";
import { statuses, type Filters, type Status } from "./board-state";

const BoardAgentsDoc = graphql(`
  query BoardAgents {
    agents(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const priorities = [10, 25, 50, 75, 90];

/**
 * The board's filters; each change goes to the URL (the text after a short pause). Memoized: a
 * live update of the board does not re-render them.
 */
export const BoardFilters = memo(function BoardFilters({
  filters,
  onChange,
}: {
  filters: Filters;
  onChange: (f: Filters) => void;
}) {
  const id = useId();
  const [agents, refetchAgents] = useQuery({ query: BoardAgentsDoc });
  const [text, setText] = useState(filters.q);
  const latest = useRef(filters);
  latest.current = filters;
  // The URL changed under us (back button, a link): show its text.
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === latest.current.q) return;
    const t = setTimeout(() => onChange({ ...latest.current, q: text }), 300);
    return () => clearTimeout(t);
  }, [text, onChange]);

  const toggle = (s: Status, on: boolean) =>
    onChange({ ...filters, statuses: on ? [...filters.statuses, s] : filters.statuses.filter((x) => x !== s) });
  const agentList = agents.data?.agents.edges.map((e) => e.node) ?? [];
  const priorityOptions =
    filters.minPriority !== null && !priorities.includes(filters.minPriority)
      ? [...priorities, filters.minPriority].sort((a, b) => a - b)
      : priorities;

  return (
    <form className="board-filters" role="search" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
      <div className="field board-filter-text">
        <label htmlFor={`${id}-q`}>Search</label>
        <input
          id={`${id}-q`}
          type="search"
          name="q"
          placeholder="Title or description"
          maxLength={200}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-agent`}>Agent</label>
        <select
          id={`${id}-agent`}
          name="agent"
          onFocus={() => refetchAgents({ requestPolicy: "network-only" })}
          value={filters.agentId ?? ""}
          onChange={(e) => onChange({ ...filters, agentId: e.target.value || null })}
        >
          <option value="">Any agent</option>
          {filters.agentId && !agentList.some((a) => a.id === filters.agentId) ? (
            <option value={filters.agentId}>{agents.fetching ? "Loading…" : "Unknown agent"}</option>
          ) : null}
          {agentList.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select
          id={`${id}-priority`}
          name="priority"
          value={filters.minPriority === null ? "" : String(filters.minPriority)}
          onChange={(e) => onChange({ ...filters, minPriority: e.target.value === "" ? null : Number(e.target.value) })}
        >
          <option value="">Any priority</option>
          {priorityOptions.map((p) => (
            <option key={p} value={p}>
              {p} or more
            </option>
          ))}
        </select>
      </div>
      <fieldset className="board-filter-status">
        <legend>Status</legend>
        {statuses.map((s) => (
          <label key={s} className="board-status-option">
            <input
              type="checkbox"
              name="status"
              value={s}
              checked={filters.statuses.includes(s)}
              onChange={(e) => toggle(s, e.target.checked)}
            />{" "}
            {humanize(s)}
          </label>
        ))}
      </fieldset>
    </form>
  );
});
