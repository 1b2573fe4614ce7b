import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { TaskViewSendDoc } from "./queries";

/** sendTaskMessage: the agent reads it at its next step; it shows in the timeline as a MESSAGE. */
export function SendMessage({ taskId }: { taskId: string }) {
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [sent, setSent] = useState(false);
  const [state, send] = useMutation(TaskViewSendDoc);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSent(false);
    const r = await send({ taskId, text });
    if (r.error) return setErrors(apiErrors(r.error));
    setErrors([]);
    setText("");
    setSent(true);
  };
  const { byField, other } = errorsByField(errors, ["text"]);
  return (
    <form className="send-message" onSubmit={submit} noValidate aria-label="Send a message to the agent">
      <ErrorList errors={other} title="The message was not sent" />
      <Field label="Message to the agent" error={byField.text} hint="Markdown. The agent reads it at its next step.">
        {(p) => (
          <textarea
            {...p}
            name="message"
            rows={3}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setSent(false);
            }}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={state.fetching}>
          {state.fetching ? "Sending…" : "Send message"}
        </button>
        <span role="status" className="muted">
          {sent ? "Sent." : ""}
        </span>
      </div>
    </form>
  );
}
