import { useState } from "react";
import { useQuery } from "urql";
import { dateTime, humanize } from "../../lib/format";
import { Empty, QueryState } from "../../ui/States";
import { authorOf, toolCallsOf } from "./conversation";
import { Markdown } from "./Markdown";
import { TaskViewConversationDoc } from "./queries";

const pageSize = 500;

/** The builtin runtime's conversation with its model, 500 messages a page. */
export function Conversation({ taskId }: { taskId: string }) {
  const [cursors, setCursors] = useState<number[]>([0]);
  return (
    <section aria-labelledby="conversation-title">
      <h2 id="conversation-title">Conversation</h2>
      {cursors.map((after, i) => (
        <ConversationPage
          key={after}
          taskId={taskId}
          afterSeq={after}
          last={i === cursors.length - 1}
          onMore={(seq) => setCursors((c) => [...c, seq])}
        />
      ))}
    </section>
  );
}

function ConversationPage({
  taskId,
  afterSeq,
  last,
  onMore,
}: {
  taskId: string;
  afterSeq: number;
  last: boolean;
  onMore: (seq: number) => void;
}) {
  const [result, refetch] = useQuery({ query: TaskViewConversationDoc, variables: { id: taskId, afterSeq } });
  return (
    <QueryState result={result} label="the conversation">
      {(data) => {
        const messages = data.task?.conversation ?? [];
        if (messages.length === 0 && afterSeq === 0)
          return <Empty>No conversation: the task has not been worked on by a builtin agent yet.</Empty>;
        const lastSeq = messages[messages.length - 1]?.seq ?? afterSeq;
        return (
          <>
            <ol className="conversation" data-testid="conversation">
              {messages.map((m) => {
                const calls = toolCallsOf(m.data);
                return (
                  <li key={m.seq} className={`conv-item conv-${m.role.toLowerCase()}`} data-seq={m.seq}>
                    <div className="tl-meta">
                      <span className="badge">{humanize(m.role)}</span> {authorOf(m.role, m.data)} · step {m.step} ·{" "}
                      <time dateTime={m.createdAt}>{dateTime(m.createdAt)}</time>
                    </div>
                    {m.content ? (
                      m.role === "TOOL" ? (
                        <pre className="tl-text">{m.content}</pre>
                      ) : (
                        <Markdown source={m.content} />
                      )
                    ) : null}
                    {calls.map((c) => (
                      <details key={c.id} className="conv-call">
                        <summary>
                          Calls <code>{c.name}</code>
                        </summary>
                        <pre className="tl-text">{c.arguments}</pre>
                      </details>
                    ))}
                  </li>
                );
              })}
            </ol>
            {last ? (
              <div className="actions">
                {messages.length >= pageSize ? (
                  <button type="button" onClick={() => onMore(lastSeq)}>
                    Load more
                  </button>
                ) : null}
                <button
                  type="button"
                  className="button-ghost"
                  onClick={() => refetch({ requestPolicy: "network-only" })}
                >
                  Refresh
                </button>
              </div>
            ) : null}
          </>
        );
      }}
    </QueryState>
  );
}
