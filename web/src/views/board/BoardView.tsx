import { useCallback, useMemo, useState } from "react";
import { useCan } from "../../app/auth";
import { Link, navigate, useLocation } from "../../app/router";
import { ErrorList } from "../../ui/ErrorList";
import { Empty, Loading } from "../../ui/States";
import { BoardColumn } from "./BoardColumn";
import { BoardFilters } from "./BoardFilters";
import {
  filtersFromSearch,
  finished,
  hasFilters,
  noFilters,
  searchOfFilters,
  statuses,
  type BoardTask,
  type Filters,
} from "./board-state";
import { CreateTaskDialog } from "./CreateTaskDialog";
import { useBoard } from "./useBoard";
import "./board.css";

/** The task board: a column per status, live, filtered by the URL's query string. */
export default function BoardView() {
  const can = useCan();
  const { path, search } = useLocation();
  const qs = search.toString();
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(qs)), [qs]);
  const board = useBoard(filters);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ id: string; title: string } | null>(null);

  const setFilters = useCallback((f: Filters) => navigate(`${path}${searchOfFilters(f)}`, true), [path]);
  const onCreated = useCallback(
    (task: BoardTask) => {
      setCreating(false);
      setCreated({ id: task.id, title: task.title });
      board.upsert(task);
    },
    [board.upsert],
  );
  const closeDialog = useCallback(() => setCreating(false), []);
  const filtered = hasFilters(filters);
  const shown = board.state.byId.size;
  const columns = filters.statuses.length > 0 ? statuses.filter((s) => filters.statuses.includes(s)) : statuses;

  return (
    <div className="board-view">
      <header className="page-header">
        <h1>Tasks</h1>
        {can.operate ? (
          <button type="button" className="button-primary" onClick={() => setCreating(true)}>
            Create task
          </button>
        ) : null}
      </header>
      <BoardFilters filters={filters} onChange={setFilters} />
      <div role="status" aria-live="polite" className="board-status">
        {created ? (
          <p className="board-created">
            Created <Link to={`/tasks/${created.id}`}>{created.title}</Link>.{" "}
            <button type="button" className="button-ghost" onClick={() => setCreated(null)}>
              Dismiss
            </button>
          </p>
        ) : null}
      </div>
      <ErrorList
        errors={board.errors}
        title={board.loaded ? "The board may be out of date" : "Could not load the tasks"}
      />
      {board.errors.length > 0 ? (
        <p>
          <button type="button" onClick={board.retry}>
            Try again
          </button>
        </p>
      ) : null}
      {!board.loaded && board.errors.length > 0 ? null : board.loading ? (
        <Loading label="Loading tasks…" />
      ) : shown === 0 && !filtered ? (
        <Empty>
          <h2>No tasks yet</h2>
          <p>Tasks are the work agents do: each moves from Pending through design, build, test and review.</p>
          {can.operate ? (
            <button type="button" className="button-primary" onClick={() => setCreating(true)}>
              Create a task
            </button>
          ) : (
            <p>An operator or an admin can create one.</p>
          )}
        </Empty>
      ) : shown === 0 ? (
        <Empty>
          <h2>No task matches these filters</h2>
          <button type="button" onClick={() => setFilters(noFilters)}>
            Clear the filters
          </button>
        </Empty>
      ) : (
        <>
          <p className="board-summary muted">
            {shown} {shown === 1 ? "task" : "tasks"}
            {board.truncated ? ` (the newest ${shown} of ${board.total}: narrow the filters to see the others)` : ""}
            {filtered ? (
              <>
                {" "}
                ·{" "}
                <button type="button" className="button-link" onClick={() => setFilters(noFilters)}>
                  Clear the filters
                </button>
              </>
            ) : null}
          </p>
          <div className="board-columns" tabIndex={0} role="region" aria-label="Task columns">
            {columns.map((s) => (
              <BoardColumn key={s} status={s} tasks={board.state.columns[s]} finished={finished.includes(s)} />
            ))}
          </div>
        </>
      )}
      {can.operate ? <CreateTaskDialog open={creating} onClose={closeDialog} onCreated={onCreated} /> : null}
    </div>
  );
}
