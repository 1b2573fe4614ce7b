import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { useSeqStream } from "../../app/stream";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { dateTime, timeAgo } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { Empty } from "../../ui/States";
import { Markdown } from "./Markdown";
import { TaskViewChannelDoc, TaskViewPostDoc } from "./queries";
import type { TaskData } from "./TaskView";

/** The task's channel: its messages (replay, then live) and a form to post. */
export function ChannelPanel({ channel, canPost }: { channel: TaskData["channel"]; canPost: boolean }) {
  if (!channel) return <Empty>This task has no channel your key may read.</Empty>;
  return <ChannelMessages channelId={channel.id} name={channel.name} canPost={canPost} />;
}

function ChannelMessages({ channelId, name, canPost }: { channelId: string; name: string; canPost: boolean }) {
  const stream = useSeqStream(TaskViewChannelDoc, { channelId }, (d) => d.channelMessages);
  return (
    <section aria-labelledby="channel-title">
      <h2 id="channel-title">
        Channel <code>{name}</code>
      </h2>
      <ErrorList title="The channel's stream failed" errors={stream.errors} />
      {stream.items.length === 0 ? (
        <Empty>No messages yet.</Empty>
      ) : (
        <ol className="conversation" data-testid="channel-messages">
          {stream.items.map((m) => (
            <li key={m.seq} className="conv-item" data-seq={m.seq}>
              <div className="tl-meta">
                <strong>{m.author.name}</strong> {m.author.agentId ? "(agent)" : "(person)"} ·{" "}
                <time dateTime={m.createdAt} title={dateTime(m.createdAt)}>
                  {timeAgo(m.createdAt)}
                </time>
              </div>
              <Markdown source={m.text} />
            </li>
          ))}
        </ol>
      )}
      {canPost ? <PostForm channelId={channelId} /> : null}
    </section>
  );
}

function PostForm({ channelId }: { channelId: string }) {
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [state, post] = useMutation(TaskViewPostDoc);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await post({ channelId, text });
    if (r.error) return setErrors(apiErrors(r.error));
    setErrors([]);
    setText("");
  };
  const { byField, other } = errorsByField(errors, ["text"]);
  return (
    <form onSubmit={submit} noValidate className="send-message">
      <ErrorList errors={other} title="The message was not posted" />
      <Field label="Post to the channel" error={byField.text} hint="@name mentions an agent or a person.">
        {(p) => <textarea {...p} name="channel-text" rows={2} value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <button type="submit" className="button-primary" disabled={state.fetching}>
        {state.fetching ? "Posting…" : "Post"}
      </button>
    </form>
  );
}
