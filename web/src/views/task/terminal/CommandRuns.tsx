/**
 * A task's command runs, newest first, live: the task's events are followed (taskEvents from
 * its lastEventSeq) and the runs are fetched again when a tool is called or reports output.
 * Selecting a run opens its output in a terminal; a running one can be cancelled (operate).
 */
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useMutation, useQuery } from "urql";
import { useCan } from "../../../app/auth";
import { useSeqStream } from "../../../app/stream";
import { graphql } from "../../../gql";
import type { TermCommandRunsQuery } from "../../../gql/graphql";
import { apiErrors } from "../../../lib/errors";
import { bytes, dateTime, duration, humanize, timeAgo } from "../../../lib/format";
import { ErrorList } from "../../../ui/ErrorList";
import { Empty, Loading, QueryState } from "../../../ui/States";
import { StatusBadge } from "../../../ui/StatusBadge";
import { commandLine, kib } from "./output";
import "./terminal.css";

const RunsDoc = graphql(`
  query TermCommandRuns($taskId: ID!) {
    task(id: $taskId) {
      id
      lastEventSeq
    }
    commandRuns(taskId: $taskId) {
      id
      program
      args
      status
      exitCode
      signal
      limit
      durationMs
      cpuTimeMs
      maxRssKb
      stdoutBytes
      stderrBytes
      truncated
      createdAt
      finishedAt
      lastOutputSeq
    }
  }
`);

const TaskEventsDoc = graphql(`
  subscription TermTaskEvents($taskId: ID!, $afterSeq: Int) {
    taskEvents(taskId: $taskId, afterSeq: $afterSeq) {
      id
      seq
      type
    }
  }
`);

const CancelDoc = graphql(`
  mutation TermCancelCommand($runId: ID!) {
    cancelCommand(runId: $runId) {
      id
      status
      exitCode
      signal
      durationMs
      finishedAt
    }
  }
`);

type Run = TermCommandRunsQuery["commandRuns"][number];

// xterm.js (about 85 KB gzipped) loads with the first run opened, not with the task view.
const RunTerminal = lazy(() => import("./RunTerminal").then((m) => ({ default: m.RunTerminal })));

const refetchOn = new Set(["TOOL_OUTPUT", "TOOL_CALL"]);

export function CommandRuns({ taskId, workspaceId }: { taskId: string; workspaceId: string | null }) {
  const can = useCan();
  const [result, refetch] = useQuery({ query: RunsDoc, variables: { taskId } });
  const [start, setStart] = useState<number | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const seen = useRef(0);
  const loadedSeq = result.data?.task?.lastEventSeq;

  useEffect(() => {
    if (start === null && loadedSeq !== undefined) setStart(loadedSeq);
  }, [start, loadedSeq]);

  const events = useSeqStream(TaskEventsDoc, { taskId }, (d) => d.taskEvents, {
    afterSeq: start ?? 0,
    enabled: start !== null,
    limit: 200,
  });

  useEffect(() => {
    const fresh = events.items.filter((e) => e.seq > seen.current);
    if (fresh.length === 0) return;
    seen.current = fresh[fresh.length - 1]!.seq;
    if (fresh.some((e) => refetchOn.has(e.type))) refetch({ requestPolicy: "network-only" });
  }, [events.items, refetch]);

  const runs = result.data?.commandRuns;
  useEffect(() => {
    if (selected === null && runs && runs.length > 0) setSelected(runs[0]!.id);
  }, [runs, selected]);

  return (
    <section className="command-runs" aria-labelledby="command-runs-title">
      <h2 id="command-runs-title">Commands</h2>
      {workspaceId === null ? <p className="muted">No workspace yet: commands run in the task's workspace.</p> : null}
      <ErrorList errors={events.errors} title="Live updates of the runs stopped" />
      <QueryState result={result} label="command runs">
        {(data) =>
          data.commandRuns.length === 0 ? (
            <Empty>No command has run for this task yet.</Empty>
          ) : (
            <>
              <RunTable runs={data.commandRuns} selected={selected} onSelect={setSelected} />
              {selected ? (
                <SelectedRun
                  key={selected}
                  run={data.commandRuns.find((r) => r.id === selected) ?? null}
                  canCancel={can.operate}
                />
              ) : null}
            </>
          )
        }
      </QueryState>
    </section>
  );
}

function RunTable({
  runs,
  selected,
  onSelect,
}: {
  runs: readonly Run[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="runs-table">
        <caption className="visually-hidden">Command runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Exit
            </th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              CPU
            </th>
            <th scope="col" className="num">
              Peak memory
            </th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} className={run.id === selected ? "run-selected" : undefined}>
              <td data-label="Command">
                <button
                  type="button"
                  className="run-select"
                  aria-pressed={run.id === selected}
                  onClick={() => onSelect(run.id)}
                  title={commandLine(run.program, run.args)}
                >
                  <code>{commandLine(run.program, run.args)}</code>
                </button>
              </td>
              <td data-label="Status">
                <StatusBadge status={run.status} />
                {run.limit ? <span className="run-limit"> limit: {run.limit}</span> : null}
              </td>
              <td className="num" data-label="Exit">
                {run.exitCode ?? (run.signal ? run.signal : "—")}
              </td>
              <td className="num" data-label="Duration">
                {run.durationMs === null || run.durationMs === undefined ? "—" : duration(run.durationMs)}
              </td>
              <td className="num" data-label="CPU">
                {run.cpuTimeMs === null || run.cpuTimeMs === undefined ? "—" : duration(run.cpuTimeMs)}
              </td>
              <td className="num" data-label="Peak memory">
                {kib(run.maxRssKb)}
              </td>
              <td data-label="Started">
                <time dateTime={run.createdAt} title={dateTime(run.createdAt)}>
                  {timeAgo(run.createdAt)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SelectedRun({ run, canCancel }: { run: Run | null; canCancel: boolean }) {
  const [cancel, doCancel] = useMutation(CancelDoc);
  if (!run) return <Empty>This run is no longer listed.</Empty>;
  const line = commandLine(run.program, run.args);
  return (
    <div className="selected-run">
      <div className="selected-run-header">
        <h3 title={line}>
          <code>{line.length > 160 ? `${line.slice(0, 160)}…` : line}</code>
        </h3>
        <span className="muted">
          {humanize(run.status)} · stdout {bytes(run.stdoutBytes)} · stderr {bytes(run.stderrBytes)}
          {run.truncated ? " · output truncated (the middle was dropped)" : ""}
        </span>
        {canCancel && run.status === "RUNNING" ? (
          <button
            type="button"
            className="button-danger"
            disabled={cancel.fetching}
            onClick={() => void doCancel({ runId: run.id })}
          >
            {cancel.fetching ? "Cancelling…" : "Cancel run"}
          </button>
        ) : null}
      </div>
      <ErrorList errors={apiErrors(cancel.error)} title="The run was not cancelled" />
      <Suspense fallback={<Loading label="Loading the terminal…" />}>
        <RunTerminal runId={run.id} label={`Output of ${line}`} />
      </Suspense>
    </div>
  );
}
