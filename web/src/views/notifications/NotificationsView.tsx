/**
 * The key's notifications, newest first, a page at a time ("Load more"); new ones arrive live
 * (notificationAdded after the newest seen when the view opened) above the pages. Mark one or
 * all read; the header's bell follows (graphcache invalidates unreadNotificationCount).
 */
import { useRef, useState } from "react";
import { useMutation, useQuery } from "urql";
import { useMe } from "../../app/auth";
import { Link } from "../../app/router";
import { useSeqStream } from "../../app/stream";
import type { NotificationFieldsFragment } from "../../gql/graphql";
import { apiErrors, type ApiError } from "../../lib/errors";
import { dateTime, humanize, timeAgo } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Empty, QueryState } from "../../ui/States";
import { MarkReadDoc, NotificationsHeadDoc, NotificationsLiveDoc, NotificationsPageDoc } from "./queries";
import { Subscriptions } from "./Subscriptions";
import "./notifications.css";

type Note = NotificationFieldsFragment;

export default function NotificationsView() {
  const me = useMe();
  const [head] = useQuery({ query: NotificationsHeadDoc });
  const start = useRef<number | null>(null);
  if (start.current === null && head.data) start.current = head.data.notifications.edges[0]?.node.seq ?? 0;
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [pages, setPages] = useState<Array<string | null>>([null]);
  /** Read here since the view opened (live items are not in the cache). */
  const [readIds, setReadIds] = useState<ReadonlySet<string>>(new Set());
  const [allReadUpTo, setAllReadUpTo] = useState(0);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [marking, mark] = useMutation(MarkReadDoc);
  const stream = useSeqStream(NotificationsLiveDoc, {}, (d) => d.notificationAdded, {
    afterSeq: start.current ?? 0,
    enabled: start.current !== null,
    limit: 500,
  });
  const isRead = (n: Note) => Boolean(n.readAt) || readIds.has(n.id) || n.seq <= allReadUpTo;
  const live = [...stream.items].reverse().filter((n) => !unreadOnly || !isRead(n));

  const markOne = async (n: Note) => {
    const r = await mark({ ids: [n.id] });
    setErrors(apiErrors(r.error));
    if (!r.error) setReadIds((s) => new Set(s).add(n.id));
  };
  const markAll = async () => {
    const newest = stream.items[stream.items.length - 1]?.seq ?? 0;
    const r = await mark({ all: true });
    setErrors(apiErrors(r.error));
    if (!r.error) setAllReadUpTo(newest);
  };
  const toggle = (v: boolean) => {
    setUnreadOnly(v);
    setPages([null]);
  };
  const unread = head.data?.unreadNotificationCount ?? 0;

  return (
    <section aria-labelledby="notifications-title" className="notifications-view">
      <div className="page-header">
        <h1 id="notifications-title">Notifications</h1>
        <div className="actions">
          <label className="checkbox inline">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => toggle(e.target.checked)} /> Unread only
          </label>
          <button type="button" onClick={() => void markAll()} disabled={marking.fetching || unread === 0}>
            Mark all read
          </button>
        </div>
      </div>
      <p className="muted" role="status" aria-live="polite" data-testid="unread-summary">
        {unread === 0 ? "Nothing unread." : `${unread} unread.`}
      </p>
      <ErrorList errors={errors} />
      <ErrorList errors={stream.errors} title="The live stream failed" />
      {start.current === null ? (
        <QueryState result={head} label="the notifications">
          {() => null}
        </QueryState>
      ) : (
        <>
          {live.length ? (
            <ul className="note-list" aria-label="New since you opened this page">
              {live.map((n) => (
                <NoteItem key={n.id} note={n} read={isRead(n)} onRead={markOne} />
              ))}
            </ul>
          ) : null}
          {pages.map((after, i) => (
            <NotePage
              key={`${String(unreadOnly)}-${after ?? ""}`}
              after={after}
              unreadOnly={unreadOnly}
              maxSeq={start.current ?? 0}
              last={i === pages.length - 1}
              first={i === 0}
              hasLive={live.length > 0}
              isRead={isRead}
              onRead={markOne}
              onMore={(cursor) => setPages((p) => [...p, cursor])}
            />
          ))}
        </>
      )}
      {me.role !== "AGENT" ? <Subscriptions /> : null}
    </section>
  );
}

function NotePage(props: {
  after: string | null;
  unreadOnly: boolean;
  maxSeq: number;
  first: boolean;
  last: boolean;
  hasLive: boolean;
  isRead: (n: Note) => boolean;
  onRead: (n: Note) => void;
  onMore: (cursor: string) => void;
}) {
  const [result] = useQuery({
    query: NotificationsPageDoc,
    variables: { after: props.after, unreadOnly: props.unreadOnly },
  });
  return (
    <QueryState result={result} label="the notifications">
      {(data) => {
        // Newer ones than the view's start are in the live list above.
        const notes = data.notifications.edges.map((e) => e.node).filter((n) => n.seq <= props.maxSeq);
        if (props.first && notes.length === 0 && !props.hasLive)
          return (
            <Empty>
              <h2>{props.unreadOnly ? "Nothing unread" : "No notifications yet"}</h2>
              <p>
                Notifications come from your subscriptions: subscribe to events (in app) below and they show here as
                they happen.
              </p>
            </Empty>
          );
        return (
          <>
            <ul className="note-list">
              {notes.map((n) => (
                <NoteItem key={n.id} note={n} read={props.isRead(n)} onRead={props.onRead} />
              ))}
            </ul>
            {props.last && data.notifications.pageInfo.hasNextPage && data.notifications.pageInfo.endCursor ? (
              <button type="button" onClick={() => props.onMore(data.notifications.pageInfo.endCursor!)}>
                Load more
              </button>
            ) : null}
          </>
        );
      }}
    </QueryState>
  );
}

function NoteItem({ note: n, read, onRead }: { note: Note; read: boolean; onRead: (n: Note) => void }) {
  return (
    <li className={read ? "card note" : "card note note-unread"} data-seq={n.seq}>
      <div className="note-head">
        <span className="note-state">{read ? "Read" : "Unread"}</span>
        <span className="note-event">{humanize(n.event)}</span>
        <time dateTime={n.createdAt} title={dateTime(n.createdAt)} className="muted">
          {timeAgo(n.createdAt)}
        </time>
      </div>
      <h2 className="note-title">{n.title}</h2>
      {n.body ? <p className="note-body">{n.body}</p> : null}
      <div className="actions">
        {n.taskId ? <Link to={`/tasks/${n.taskId}`}>Open the task</Link> : null}
        {!read ? (
          <button type="button" onClick={() => onRead(n)} aria-label={`Mark read: ${n.title}`}>
            Mark read
          </button>
        ) : null}
      </div>
    </li>
  );
}
