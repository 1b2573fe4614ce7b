/**
 * /tasks/<id>: a task's header (kept live by taskChanged), its actions as the key's role and the
 * task's status allow, and tabs: timeline (taskEvents, replay then live), conversation, command
 * runs, files, sources, channel and tree.
 */
import { lazy, Suspense } from "react";
import { useQuery, useSubscription } from "urql";
import { useCan } from "../../app/auth";
import { Link } from "../../app/router";
import { ErrorList } from "../../ui/ErrorList";
import { Loading, QueryState } from "../../ui/States";
import { apiErrors } from "../../lib/errors";
import { TaskViewChangedDoc, TaskViewDoc } from "./queries";
import { TaskHeader } from "./TaskHeader";
import { TaskActions } from "./TaskActions";
import { Timeline } from "./Timeline";
import { Tabs, useTab, type TabKey } from "./Tabs";
import { Conversation } from "./Conversation";
import { SourcesPanel } from "./SourcesPanel";
import { ChannelPanel } from "./ChannelPanel";
import { TreePanel } from "./TreePanel";
import type { TaskViewQuery } from "../../gql/graphql";
import "./task.css";

const CommandRuns = lazy(() => import("./terminal/CommandRuns").then((m) => ({ default: m.CommandRuns })));
const FilesPanel = lazy(() => import("./files/FilesPanel").then((m) => ({ default: m.FilesPanel })));

export type TaskData = NonNullable<TaskViewQuery["task"]>;

export default function TaskView({ id }: { id?: string }) {
  if (!id) return <NotFound id="" />;
  return <TaskPage id={id} />;
}

function TaskPage({ id }: { id: string }) {
  const [result] = useQuery({ query: TaskViewDoc, variables: { id } });
  // Each change arrives as the Task with its id: graphcache updates the header in place.
  const [changed] = useSubscription({ query: TaskViewChangedDoc, variables: { taskId: id } });
  return (
    <QueryState result={result} label="the task">
      {(data) =>
        data.task ? (
          <TaskLoaded task={data.task} liveErrors={changed.error ? apiErrors(changed.error) : []} />
        ) : (
          <NotFound id={id} />
        )
      }
    </QueryState>
  );
}

function TaskLoaded({ task, liveErrors }: { task: TaskData; liveErrors: ReturnType<typeof apiErrors> }) {
  const can = useCan();
  const [tab, setTab] = useTab();
  const ended = task.status === "COMPLETE" || task.status === "CANCELLED";
  const panel = (key: TabKey) => {
    switch (key) {
      case "conversation":
        return <Conversation taskId={task.id} />;
      case "commands":
        return (
          <Suspense fallback={<Loading label="Loading the command runs…" />}>
            <CommandRuns taskId={task.id} workspaceId={task.workspace?.id ?? null} />
          </Suspense>
        );
      case "files":
        return (
          <Suspense fallback={<Loading label="Loading the files…" />}>
            <FilesPanel workspaceId={task.workspace?.id ?? null} canWrite={can.operate && !ended} />
          </Suspense>
        );
      case "sources":
        return <SourcesPanel taskId={task.id} />;
      case "channel":
        return <ChannelPanel channel={task.channel} canPost={can.operate} />;
      case "tree":
        return <TreePanel taskId={task.id} />;
      default:
        return null;
    }
  };
  return (
    <article className="task-view" aria-labelledby="task-title">
      <TaskHeader task={task} />
      <ErrorList title="Live updates of the task failed" errors={liveErrors} />
      {can.operate ? <TaskActions task={task} /> : null}
      <Tabs current={tab} onChange={setTab}>
        {(key) =>
          key === "timeline" ? null : (
            <div className="task-panel" key={key}>
              {panel(key)}
            </div>
          )
        }
      </Tabs>
      {/* The timeline stays mounted (hidden on other tabs) so its stream goes on. */}
      <div
        role="tabpanel"
        id="task-panel-timeline"
        aria-labelledby="task-tab-timeline"
        hidden={tab !== "timeline"}
        tabIndex={0}
        className="task-panel"
      >
        <Timeline taskId={task.id} canSend={can.operate && !ended && task.status !== "FAILED"} />
      </div>
    </article>
  );
}

function NotFound({ id }: { id: string }) {
  return (
    <section className="state state-empty" data-testid="task-not-found">
      <h1>Task not found</h1>
      <p>
        There is no task <code>{id || "(no id)"}</code>, or your API key may not see it.{" "}
        <Link to="/">Go to the tasks</Link>.
      </p>
    </section>
  );
}
