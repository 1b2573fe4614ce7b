/**
 * The bell in the header: the unread count, kept live by notificationAdded (each arrival asks
 * the count again, so marking read anywhere is reflected too).
 */
import { useEffect, useRef } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { Link } from "../../app/router";
import { useSeqStream } from "../../app/stream";

const BellDoc = graphql(`
  query Bell {
    unreadNotificationCount
    notifications(first: 1) {
      edges {
        node {
          id
          seq
        }
      }
    }
  }
`);

const BellAddedDoc = graphql(`
  subscription BellAdded($afterSeq: Int) {
    notificationAdded(afterSeq: $afterSeq) {
      id
      seq
      title
      readAt
    }
  }
`);

export function Bell() {
  const [result, refetch] = useQuery({ query: BellDoc, requestPolicy: "cache-and-network" });
  // The stream starts after the newest notification seen at the first answer, once.
  const start = useRef<number | null>(null);
  if (start.current === null && result.data) start.current = result.data.notifications.edges[0]?.node.seq ?? 0;
  const stream = useSeqStream(BellAddedDoc, {}, (d) => d.notificationAdded, {
    afterSeq: start.current ?? 0,
    enabled: start.current !== null,
    limit: 50,
  });
  const arrived = stream.items.length;
  useEffect(() => {
    if (arrived > 0) refetch({ requestPolicy: "network-only" });
  }, [arrived, refetch]);
  const count = result.data?.unreadNotificationCount ?? 0;
  const label = count === 0 ? "Notifications, none unread" : `Notifications, ${count} unread`;
  return (
    <Link to="/notifications" className="bell" aria-label={label} title={label}>
      <svg
        aria-hidden="true"
        width="20"
        height="20"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
      >
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      {count > 0 ? (
        <span className="bell-count" aria-hidden="true">
          {count > 99 ? "99+" : count}
        </span>
      ) : null}
    </Link>
  );
}
