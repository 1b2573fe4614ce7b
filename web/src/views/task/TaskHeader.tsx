import { useId } from "react";
import { Link } from "../../app/router";
import { StatusBadge } from "../../ui/StatusBadge";
import { dateTime, humanize, percent, timeAgo, tokens, usd } from "../../lib/format";
import { Markdown } from "./Markdown";
import type { TaskData } from "./TaskView";

/** A used/limit meter with its figures in words (the bar is never the only sign). */
function Budget({
  label,
  used,
  limit,
  format,
}: {
  label: string;
  used: number;
  limit: number | null | undefined;
  format: (n: number) => string;
}) {
  const id = useId();
  if (limit === null || limit === undefined)
    return (
      <div className="budget">
        <span id={id}>{label}</span>: {format(used)} <span className="muted">(no limit)</span>
      </div>
    );
  const pct = percent(used, limit);
  return (
    <div className="budget">
      <span id={id}>{label}</span>: {format(used)} of {format(limit)} ({pct}%)
      <meter
        aria-labelledby={id}
        min={0}
        max={limit}
        low={limit * 0.75}
        high={limit * 0.9}
        optimum={0}
        value={Math.min(used, limit)}
      />
    </div>
  );
}

export function TaskHeader({ task }: { task: TaskData }) {
  const p = task.progress;
  const progressId = useId();
  return (
    <header className="task-header card" data-testid="task-header">
      {task.parent ? (
        <p className="task-parent">
          Subtask of <Link to={`/tasks/${task.parent.id}`}>{task.parent.title}</Link>
        </p>
      ) : null}
      <div className="task-title-row">
        <h1 id="task-title">{task.title}</h1>
        <span data-testid="task-status">
          <StatusBadge status={task.status} />
        </span>
        {task.pausedAt ? <span className="badge badge-paused">Paused</span> : null}
        {task.awaitingApproval ? (
          <span className="badge badge-approval" data-testid="awaiting-approval">
            Awaiting approval
          </span>
        ) : null}
      </div>
      {task.pausedAt ? (
        <p className="task-note" data-testid="pause-reason">
          Paused {timeAgo(task.pausedAt)}
          {task.pauseReason ? `: ${task.pauseReason}` : " (no reason given)"}
        </p>
      ) : null}
      {task.awaitingApproval ? (
        <p className="task-note">
          The agent finished; the task waits in review for approval
          {task.approvalRequestedAt ? ` since ${timeAgo(task.approvalRequestedAt)}` : ""}.
        </p>
      ) : null}
      <dl className="task-facts">
        <div>
          <dt>Agent</dt>
          <dd>
            {task.assignedAgent ? (
              <Link to="/agents">{task.assignedAgent.name}</Link>
            ) : (
              <span className="muted">None yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Complexity</dt>
          <dd>{task.complexity} / 10</dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{task.model ?? <span className="muted">The agent&apos;s</span>}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd title={dateTime(task.createdAt)}>{timeAgo(task.createdAt)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd title={dateTime(task.updatedAt)}>{timeAgo(task.updatedAt)}</dd>
        </div>
      </dl>
      <div className="task-usage">
        <div className="budget">
          <span id={progressId}>Progress</span>: {humanize(p.phase)}, {p.percent}%
          {p.childrenTotal > 0 ? `, children ${p.childrenDone} of ${p.childrenTotal} done` : ""}
          <progress aria-labelledby={progressId} max={100} value={p.percent} />
        </div>
        <Budget label="Cost" used={task.usage.costUsd} limit={task.maxCostUsd} format={usd} />
        <Budget label="Tokens" used={task.usage.totalTokens} limit={task.maxTokens} format={tokens} />
      </div>
      {task.description ? (
        <section className="task-description" aria-label="Description">
          <Markdown source={task.description} />
        </section>
      ) : null}
      {task.summary ? (
        <section className="task-summary" aria-labelledby="task-summary-title">
          <h2 id="task-summary-title">Summary</h2>
          <Markdown source={task.summary} />
        </section>
      ) : null}
    </header>
  );
}
