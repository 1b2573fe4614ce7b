import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { Dialog } from "../../ui/Dialog";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import {
  TaskViewApproveDoc,
  TaskViewCancelDoc,
  TaskViewPauseDoc,
  TaskViewRejectDoc,
  TaskViewResumeDoc,
} from "./queries";
import type { TaskData } from "./TaskView";

const atWork = new Set(["DESIGN", "BUILD", "TEST", "REVIEW"]);
const finished = new Set(["COMPLETE", "CANCELLED", "FAILED"]);

/** What the status allows (the API checks again). Shown only to keys that may operate. */
export function allowedActions(task: Pick<TaskData, "status" | "pausedAt" | "awaitingApproval">) {
  return {
    approve: task.awaitingApproval,
    reject: task.awaitingApproval,
    pause: atWork.has(task.status) && !task.pausedAt,
    resume: Boolean(task.pausedAt),
    cancel: !finished.has(task.status),
  };
}

export function TaskActions({ task }: { task: TaskData }) {
  const allowed = allowedActions(task);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [dialog, setDialog] = useState<"reject" | "pause" | "cancel" | null>(null);
  const [approve, approveRun] = useMutation(TaskViewApproveDoc);
  const [, resumeRun] = useMutation(TaskViewResumeDoc);
  const [resuming, setResuming] = useState(false);

  const run = async (p: Promise<{ error?: unknown }>) => {
    setErrors([]);
    const r = await p;
    if (r.error) setErrors(apiErrors(r.error));
    return !r.error;
  };

  if (!Object.values(allowed).some(Boolean)) return null;
  return (
    <section className="task-actions" aria-label="Actions">
      <div className="actions">
        {allowed.approve ? (
          <button
            type="button"
            className="button-primary"
            disabled={approve.fetching}
            onClick={() => void run(approveRun({ id: task.id }))}
          >
            {approve.fetching ? "Approving…" : "Approve"}
          </button>
        ) : null}
        {allowed.reject ? (
          <button type="button" onClick={() => setDialog("reject")}>
            Reject…
          </button>
        ) : null}
        {allowed.pause ? (
          <button type="button" onClick={() => setDialog("pause")}>
            Pause…
          </button>
        ) : null}
        {allowed.resume ? (
          <button
            type="button"
            disabled={resuming}
            onClick={() => {
              setResuming(true);
              void run(resumeRun({ id: task.id })).finally(() => setResuming(false));
            }}
          >
            Resume
          </button>
        ) : null}
        {allowed.cancel ? (
          <button type="button" className="button-danger" onClick={() => setDialog("cancel")}>
            Cancel task…
          </button>
        ) : null}
      </div>
      <ErrorList title="The action failed" errors={errors} />
      <Dialog open={dialog === "reject"} title="Reject and send back to build" onClose={() => setDialog(null)}>
        <RejectForm taskId={task.id} onDone={() => setDialog(null)} />
      </Dialog>
      <Dialog open={dialog === "pause"} title="Pause the task" onClose={() => setDialog(null)}>
        <PauseForm taskId={task.id} onDone={() => setDialog(null)} />
      </Dialog>
      <Dialog open={dialog === "cancel"} title="Cancel the task?" onClose={() => setDialog(null)}>
        <CancelConfirm taskId={task.id} title={task.title} onDone={() => setDialog(null)} />
      </Dialog>
    </section>
  );
}

function RejectForm({ taskId, onDone }: { taskId: string; onDone: () => void }) {
  const [feedback, setFeedback] = useState("");
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [state, reject] = useMutation(TaskViewRejectDoc);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await reject({ id: taskId, feedback });
    if (r.error) setErrors(apiErrors(r.error));
    else onDone();
  };
  const { byField, other } = errorsByField(errors, ["feedback"]);
  return (
    <form onSubmit={submit} noValidate>
      <ErrorList errors={other} />
      <Field
        label="Feedback for the agent"
        error={byField.feedback}
        hint="What to change (goes into its conversation)."
      >
        {(p) => (
          <textarea {...p} name="feedback" rows={5} value={feedback} onChange={(e) => setFeedback(e.target.value)} />
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={state.fetching}>
          {state.fetching ? "Sending back…" : "Reject"}
        </button>
        <button type="button" className="button-ghost" onClick={onDone}>
          Keep it in review
        </button>
      </div>
    </form>
  );
}

function PauseForm({ taskId, onDone }: { taskId: string; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [state, pause] = useMutation(TaskViewPauseDoc);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await pause({ id: taskId, reason: reason.trim() || null });
    if (r.error) setErrors(apiErrors(r.error));
    else onDone();
  };
  const { byField, other } = errorsByField(errors, ["reason"]);
  return (
    <form onSubmit={submit} noValidate>
      <ErrorList errors={other} />
      <Field label="Reason (optional)" error={byField.reason}>
        {(p) => <input {...p} type="text" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={state.fetching}>
          {state.fetching ? "Pausing…" : "Pause"}
        </button>
        <button type="button" className="button-ghost" onClick={onDone}>
          Never mind
        </button>
      </div>
    </form>
  );
}

function CancelConfirm({ taskId, title, onDone }: { taskId: string; title: string; onDone: () => void }) {
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [state, cancel] = useMutation(TaskViewCancelDoc);
  const confirm = async () => {
    const r = await cancel({ id: taskId });
    if (r.error) setErrors(apiErrors(r.error));
    else onDone();
  };
  return (
    <div>
      <p>
        Cancel <strong>{title}</strong>? Its agent stops working on it. A cancelled task is final: it cannot be resumed.
      </p>
      <ErrorList errors={errors} />
      <div className="actions">
        <button type="button" className="button-danger" disabled={state.fetching} onClick={() => void confirm()}>
          {state.fetching ? "Cancelling…" : "Cancel the task"}
        </button>
        <button type="button" className="button-ghost" onClick={onDone}>
          Keep it
        </button>
      </div>
    </div>
  );
}
