import { memo, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { graphql } from "../../gql";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { Dialog } from "../../ui/Dialog";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import type { BoardTask } from "./board-state";

const BoardCreateTaskDoc = graphql(`
  mutation BoardCreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      ...BoardTaskFields
    }
  }
`);

const fields = ["title", "description", "complexity", "priority", "maxCostUsd", "maxTokens", "model"] as const;

interface Form {
  title: string;
  description: string;
  complexity: string;
  priority: string;
  requiresApproval: "" | "yes" | "no";
  maxCostUsd: string;
  maxTokens: string;
  model: string;
}

const blank: Form = {
  title: "",
  description: "",
  complexity: "3",
  priority: "0",
  requiresApproval: "",
  maxCostUsd: "",
  maxTokens: "",
  model: "",
};

/** "" → null; anything else as a number (NaN is left for the API to refuse, by field). */
const num = (s: string): number | null => (s.trim() === "" ? null : Number(s));

/** The form for createTask; the API's field errors show under their controls (memoized). */
export const CreateTaskDialog = memo(function CreateTaskDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (task: BoardTask) => void;
}) {
  const [form, setForm] = useState<Form>(blank);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [result, create] = useMutation(BoardCreateTaskDoc);
  const set =
    <K extends keyof Form>(k: K) =>
    (e: { target: { value: string } }) =>
      setForm((f) => ({ ...f, [k]: e.target.value as Form[K] }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const complexity = num(form.complexity);
    const local: ApiError[] = [];
    // Only what the API could not even receive: complexity is a required whole number.
    if (complexity === null || !Number.isInteger(complexity))
      local.push({ code: "BAD_USER_INPUT", field: "complexity", message: "must be a whole number from 1 to 10" });
    for (const k of ["priority", "maxTokens"] as const) {
      const v = num(form[k]);
      if (v !== null && !Number.isInteger(v))
        local.push({ code: "BAD_USER_INPUT", field: k, message: "must be a whole number" });
    }
    const cost = num(form.maxCostUsd);
    if (cost !== null && Number.isNaN(cost))
      local.push({ code: "BAD_USER_INPUT", field: "maxCostUsd", message: "must be a number" });
    if (local.length > 0) return setErrors(local);
    const r = await create({
      input: {
        title: form.title,
        description: form.description || null,
        complexity: complexity!,
        priority: num(form.priority),
        requiresApproval: form.requiresApproval === "" ? null : form.requiresApproval === "yes",
        maxCostUsd: cost,
        maxTokens: num(form.maxTokens),
        model: form.model.trim() || null,
      },
    });
    if (r.error || !r.data) return setErrors(apiErrors(r.error ?? "No answer"));
    setErrors([]);
    setForm(blank);
    onCreated(r.data.createTask as BoardTask);
  };

  const close = () => {
    setErrors([]);
    onClose();
  };
  const { byField, other } = errorsByField(errors, fields);
  return (
    <Dialog open={open} title="Create a task" onClose={close}>
      <form onSubmit={submit} noValidate className="board-create">
        <ErrorList errors={other} title="The task was not created" />
        <Field label="Title" error={byField.title} hint="1 to 200 characters.">
          {(p) => <input {...p} name="title" value={form.title} onChange={set("title")} autoComplete="off" />}
        </Field>
        <Field label="Description" error={byField.description} hint="What is to be done (optional).">
          {(p) => <textarea {...p} name="description" value={form.description} onChange={set("description")} />}
        </Field>
        <div className="form-row">
          <Field label="Complexity" error={byField.complexity} hint="1 (trivial) to 10.">
            {(p) => (
              <input {...p} type="number" name="complexity" value={form.complexity} onChange={set("complexity")} />
            )}
          </Field>
          <Field label="Priority" error={byField.priority} hint="0 to 100; higher first.">
            {(p) => <input {...p} type="number" name="priority" value={form.priority} onChange={set("priority")} />}
          </Field>
        </div>
        <Field label="Approval" hint="Wait in review for approval before completing.">
          {(p) => (
            <select {...p} name="requiresApproval" value={form.requiresApproval} onChange={set("requiresApproval")}>
              <option value="">As the agent says</option>
              <option value="yes">Requires approval</option>
              <option value="no">No approval</option>
            </select>
          )}
        </Field>
        <div className="form-row">
          <Field label="Budget (USD)" error={byField.maxCostUsd} hint="Optional.">
            {(p) => (
              <input
                {...p}
                type="number"
                step="any"
                name="maxCostUsd"
                value={form.maxCostUsd}
                onChange={set("maxCostUsd")}
              />
            )}
          </Field>
          <Field label="Budget (tokens)" error={byField.maxTokens} hint="Optional.">
            {(p) => <input {...p} type="number" name="maxTokens" value={form.maxTokens} onChange={set("maxTokens")} />}
          </Field>
        </div>
        <Field
          label="Model"
          error={byField.model}
          hint='Optional, e.g. "openai/gpt-4o"; a comma-separated list falls back.'
        >
          {(p) => <input {...p} name="model" value={form.model} onChange={set("model")} autoComplete="off" />}
        </Field>
        <div className="actions">
          <button type="submit" className="button-primary" disabled={result.fetching}>
            {result.fetching ? "Creating…" : "Create task"}
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
});
