import { memo, useId, useState } from "react";
import { humanize } from "../../lib/format";
import type { BoardTask, Status } from "./board-state";
import { TaskCard } from "./TaskCard";

/** Cards shown at first in a column (the finished ones shorter); "Show more" adds as many again. */
export const columnLimit = (finished: boolean) => (finished ? 20 : 100);

/** A status column; memoized, so a change elsewhere on the board does not re-render it. */
export const BoardColumn = memo(function BoardColumn({
  status,
  tasks,
  finished,
}: {
  status: Status;
  tasks: readonly BoardTask[];
  finished: boolean;
}) {
  const step = columnLimit(finished);
  const [shown, setShown] = useState(step);
  const headingId = useId();
  const visible = tasks.length > shown ? tasks.slice(0, shown) : tasks;
  return (
    <section
      className={`board-column board-column-${status.toLowerCase()}`}
      aria-labelledby={headingId}
      data-status={status}
    >
      <h2 id={headingId} className="board-column-title">
        <span>{humanize(status)}</span> <span className="board-count">{tasks.length}</span>
        <span className="visually-hidden"> tasks</span>
      </h2>
      {tasks.length === 0 ? (
        <p className="board-column-empty muted">None</p>
      ) : (
        <ol className="board-cards">
          {visible.map((t) => (
            <TaskCard key={t.id} task={t} />
          ))}
        </ol>
      )}
      {tasks.length > visible.length ? (
        <button type="button" className="board-more" onClick={() => setShown((n) => n + step)}>
          Show more ({tasks.length - visible.length} hidden)
        </button>
      ) : null}
    </section>
  );
});
