import { memo } from "react";
import { Link } from "../../app/router";
import type { BoardTask } from "./board-state";
import { TimeAgo } from "./TimeAgo";

/** One task on the board; re-renders only when its task object is replaced (see board-state.ts). */
export const TaskCard = memo(function TaskCard({ task }: { task: BoardTask }) {
  const percent = task.progress.percent;
  return (
    <li className="board-card" data-task-id={task.id}>
      <h3 className="board-card-title">
        <Link to={`/tasks/${task.id}`}>{task.title}</Link>
      </h3>
      {task.awaitingApproval || task.pausedAt ? (
        <p className="board-markers">
          {task.awaitingApproval ? <span className="marker marker-approval">⏳ Awaiting approval</span> : null}
          {task.pausedAt ? <span className="marker marker-paused">⏸ Paused</span> : null}
        </p>
      ) : null}
      <dl className="board-meta">
        <div>
          <dt>Agent</dt>
          <dd>{task.assignedAgent?.name ?? <span className="muted">unassigned</span>}</dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
        </div>
        <div>
          <dt>Complexity</dt>
          <dd>{task.complexity}</dd>
        </div>
      </dl>
      <div className="board-progress">
        <progress max={100} value={percent} aria-label={`Progress of ${task.title}`} />
        <span>{percent}%</span>
        <span className="board-updated">
          updated <TimeAgo iso={task.updatedAt} />
        </span>
      </div>
    </li>
  );
});
