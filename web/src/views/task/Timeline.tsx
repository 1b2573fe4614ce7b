import { memo, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useSeqStream } from "../../app/stream";
import { dateTime, timeAgo } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Empty } from "../../ui/States";
import { Markdown } from "./Markdown";
import { TaskViewEventsDoc } from "./queries";
import { SendMessage } from "./SendMessage";
import { describeEvent, foldToolCalls, newest, type TaskEventItem, type TimelineEntry } from "./timeline";

const pageSize = 500;
const typeLabel: Record<string, string> = {
  STATUS_CHANGE: "Status",
  MESSAGE: "Message",
  TOOL_CALL: "Tool call",
  TOOL_OUTPUT: "Output",
  ERROR: "Error",
  LINK: "Link",
  PROGRESS: "Progress",
  ASSIGNMENT: "Assignment",
};

/** The task's events: stored ones, then live; resumes after a reconnect with nothing lost or twice. */
export function Timeline({ taskId, canSend }: { taskId: string; canSend: boolean }) {
  const stream = useSeqStream(TaskViewEventsDoc, { taskId }, (d) => d.taskEvents);
  const entries = useMemo(() => foldToolCalls(stream.items), [stream.items]);
  const [limit, setLimit] = useState(pageSize);
  const { shown, hidden } = newest(entries, limit);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const lastTop = useRef(0);

  // Follow new events only while the reader is at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [entries]);

  const lastStatus = useMemo(() => {
    for (let i = stream.items.length - 1; i >= 0; i--)
      if (stream.items[i]!.type === "STATUS_CHANGE") return describeEvent(stream.items[i]!).summary;
    return null;
  }, [stream.items]);

  return (
    <section aria-labelledby="timeline-title" className="timeline-section">
      <h2 id="timeline-title" className="visually-hidden">
        Timeline
      </h2>
      <ErrorList title="The timeline's stream failed" errors={stream.errors} />
      {/* Announces status moves only, not every event. */}
      <p className="visually-hidden" aria-live="polite">
        {lastStatus ? `Status: ${lastStatus}` : ""}
      </p>
      {stream.items.length === 0 && !stream.errors.length ? (
        stream.done ? (
          <Empty>No events.</Empty>
        ) : (
          <Empty>No events yet: they show here as they happen.</Empty>
        )
      ) : (
        <div
          className="timeline-scroll"
          ref={scroller}
          tabIndex={0}
          role="region"
          aria-label="Task events"
          onScroll={(e) => {
            // Only the reader scrolling up stops the following (content growing after our own
            // scroll to the bottom must not).
            const el = e.currentTarget;
            if (el.scrollHeight - el.scrollTop - el.clientHeight < 40) atBottom.current = true;
            else if (el.scrollTop < lastTop.current) atBottom.current = false;
            lastTop.current = el.scrollTop;
          }}
        >
          {hidden > 0 ? (
            <button type="button" className="button-ghost show-earlier" onClick={() => setLimit((l) => l + pageSize)}>
              Show {Math.min(hidden, pageSize)} earlier (of {hidden} hidden)
            </button>
          ) : null}
          <ol className="timeline" data-testid="timeline">
            {shown.map((entry) => (
              <TimelineLine key={entry.event.seq} entry={entry} />
            ))}
          </ol>
        </div>
      )}
      {stream.done ? <p className="muted">The task ended: the timeline is complete.</p> : null}
      {canSend ? <SendMessage taskId={taskId} /> : null}
    </section>
  );
}

function Meta({ event }: { event: TaskEventItem }) {
  return (
    <span className="tl-meta">
      <span className="tl-seq">#{event.seq}</span>{" "}
      <span className="tl-type">{typeLabel[event.type] ?? event.type}</span>{" "}
      <time dateTime={event.createdAt} title={dateTime(event.createdAt)}>
        {timeAgo(event.createdAt)}
      </time>
    </span>
  );
}

function Body({ event }: { event: TaskEventItem }) {
  const d = describeEvent(event);
  return (
    <>
      {d.markdown ? <Markdown source={d.markdown} className="tl-markdown" /> : null}
      {d.text ? <pre className="tl-text">{d.text}</pre> : null}
      {d.href ? (
        <a href={d.href} target="_blank" rel="noopener noreferrer">
          {d.href}
        </a>
      ) : null}
    </>
  );
}

/** A line re-renders only when its event or its results change (the fold makes new entries). */
const TimelineLine = memo(
  TimelineLineImpl,
  (a, b) => a.entry.event === b.entry.event && a.entry.outputs.length === b.entry.outputs.length,
);

function TimelineLineImpl({ entry }: { entry: TimelineEntry }) {
  const { event, outputs } = entry;
  const d = describeEvent(event);
  const cls = `tl-item tl-${d.tone} tl-${event.type.toLowerCase().replace("_", "-")}`;
  if (event.type === "TOOL_CALL") {
    const failed = outputs.some((o) => describeEvent(o).tone === "error");
    return (
      <li className={cls} data-seq={event.seq}>
        <details>
          <summary>
            <Meta event={event} /> <strong>{d.summary}</strong>{" "}
            <span className={failed ? "tl-result tl-result-error" : "tl-result"}>
              {outputs.length === 0
                ? "(no result yet)"
                : failed
                  ? "(failed)"
                  : `(${outputs.length} result${outputs.length > 1 ? "s" : ""})`}
            </span>
          </summary>
          {event.content ? <pre className="tl-text">{event.content}</pre> : null}
          {outputs.map((o) => (
            <Output key={o.seq} event={o} />
          ))}
        </details>
      </li>
    );
  }
  return (
    <li className={cls} data-seq={event.seq}>
      <div>
        <Meta event={event} /> {d.tone === "error" ? <span className="tl-flag">Problem: </span> : null}
        <strong>{d.summary}</strong>
      </div>
      <Body event={event} />
      {outputs.map((o) => (
        <Output key={o.seq} event={o} />
      ))}
    </li>
  );
}

function Output({ event }: { event: TaskEventItem }) {
  const d = describeEvent(event);
  return (
    <div className={`tl-output tl-${d.tone}`} data-seq={event.seq}>
      <Meta event={event} /> <strong>{d.summary}</strong>
      <Body event={event} />
    </div>
  );
}
