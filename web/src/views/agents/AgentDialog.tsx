import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import type { AgentRowFieldsFragment } from "../../gql/graphql";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { Dialog } from "../../ui/Dialog";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { createInput, formValues, parsePolicy, updateInput, type AgentFormValues } from "./agent-form";
import { CreateAgentViewDoc, SetAgentPolicyDoc, UpdateAgentViewDoc } from "./queries";

const fields = [
  "name",
  "kind",
  "minComplexity",
  "maxComplexity",
  "maxConcurrentTasks",
  "model",
  "instructions",
  "tools",
  "requiresApproval",
  "emailRecipients",
  "policy",
] as const;

/** Create (agent null) or edit an agent; the tool policy goes through setToolPolicy after. */
export function AgentDialog({
  agent,
  open,
  onClose,
  onSaved,
}: {
  agent: AgentRowFieldsFragment | null;
  open: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  return (
    <Dialog open={open} title={agent ? `Edit agent ${agent.name}` : "Create agent"} onClose={onClose} wide>
      <AgentForm agent={agent} onClose={onClose} onSaved={onSaved} />
    </Dialog>
  );
}

function AgentForm({
  agent,
  onClose,
  onSaved,
}: {
  agent: AgentRowFieldsFragment | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [initial] = useState(() => formValues(agent));
  const [v, setV] = useState<AgentFormValues>(initial);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [policyError, setPolicyError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  /** Made by an earlier submit whose policy was refused: later submits only set the policy. */
  const [createdId, setCreatedId] = useState<string | null>(null);
  const [, create] = useMutation(CreateAgentViewDoc);
  const [, update] = useMutation(UpdateAgentViewDoc);
  const [, setPolicy] = useMutation(SetAgentPolicyDoc);
  const set = <K extends keyof AgentFormValues>(k: K, value: AgentFormValues[K]) => setV((s) => ({ ...s, [k]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const policy = parsePolicy(v.policy);
    if (!policy.ok) {
      setPolicyError(policy.message);
      return;
    }
    setPolicyError(undefined);
    setBusy(true);
    setErrors([]);
    let id = agent?.id ?? createdId ?? undefined;
    if (!agent && !createdId) {
      const r = await create({ input: createInput(v) });
      if (r.error || !r.data) {
        setBusy(false);
        return setErrors(apiErrors(r.error));
      }
      id = r.data.createAgent.id;
      setCreatedId(id);
    } else if (agent) {
      const input = updateInput(initial, v);
      if (Object.keys(input).length) {
        const r = await update({ id: agent.id, input });
        if (r.error) {
          setBusy(false);
          return setErrors(apiErrors(r.error));
        }
      }
    }
    if (id && (v.policy !== initial.policy || createdId)) {
      const r = await setPolicy({ id, policy: policy.value });
      if (r.error) {
        setBusy(false);
        // The agent is saved; only its policy was refused: say so under the policy.
        const errs = apiErrors(r.error);
        setPolicyError(errs.map((e) => `${e.code}: ${e.message}${e.field ? ` (${e.field})` : ""}`).join("; "));
        onSaved();
        return;
      }
    }
    setBusy(false);
    onSaved();
    onClose();
  };

  const { byField, other } = errorsByField(errors, fields);
  const num = (k: "minComplexity" | "maxComplexity" | "maxConcurrentTasks", label: string, max: number) => (
    <Field label={label} error={byField[k]}>
      {(p) => (
        <input
          {...p}
          name={k}
          type="number"
          min={1}
          max={max}
          inputMode="numeric"
          value={v[k]}
          onChange={(e) => set(k, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate className="agent-form">
      <ErrorList errors={other} title="The agent was not saved" />
      {createdId ? (
        <p className="banner banner-warning" role="status">
          The agent was created, but its tool policy was refused: correct it and save again.
        </p>
      ) : null}
      <div className="form-row">
        <Field label="Name" error={byField.name}>
          {(p) => (
            <input
              {...p}
              name="name"
              type="text"
              value={v.name}
              onChange={(e) => set("name", e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Kind" error={byField.kind} hint={agent ? "Set when the agent is created." : undefined}>
          {(p) => (
            <select
              {...p}
              name="kind"
              value={v.kind}
              disabled={Boolean(agent)}
              onChange={(e) => set("kind", e.target.value as AgentFormValues["kind"])}
            >
              <option value="BUILTIN">Builtin (run by this service)</option>
              <option value="EXTERNAL">External (a program using the API)</option>
            </select>
          )}
        </Field>
      </div>
      <div className="form-row">
        {num("minComplexity", "Min complexity", 10)}
        {num("maxComplexity", "Max complexity", 10)}
        {num("maxConcurrentTasks", "Tasks at once", 100)}
      </div>
      <Field
        label="Model"
        error={byField.model}
        hint="A model id or a comma-separated fallback list; empty: the default."
      >
        {(p) => (
          <input {...p} name="model" type="text" value={v.model} onChange={(e) => set("model", e.target.value)} />
        )}
      </Field>
      <Field label="Instructions" error={byField.instructions}>
        {(p) => (
          <textarea
            {...p}
            name="instructions"
            rows={4}
            value={v.instructions}
            onChange={(e) => set("instructions", e.target.value)}
          />
        )}
      </Field>
      <Field label="Tools" error={byField.tools} hint="Tool ids, separated by commas; empty: every tool.">
        {(p) => (
          <input {...p} name="tools" type="text" value={v.tools} onChange={(e) => set("tools", e.target.value)} />
        )}
      </Field>
      <Field
        label="Email recipients"
        error={byField.emailRecipients}
        hint="Addresses and @domains its sendEmail may write to; empty: the server's list."
      >
        {(p) => (
          <input
            {...p}
            name="emailRecipients"
            type="text"
            value={v.emailRecipients}
            onChange={(e) => set("emailRecipients", e.target.value)}
          />
        )}
      </Field>
      <Field
        label="Tool policy (JSON)"
        error={policyError ?? byField.policy}
        hint={
          <>
            Changes to the command policy, such as <code>{'{"remove": ["git"], "allow": {"jq": {}}}'}</code> (also{" "}
            <code>deny</code>, <code>undeny</code>: see config/tool-policy.json); empty: none.
          </>
        }
      >
        {(p) => (
          <textarea
            {...p}
            name="policy"
            className="code-input"
            rows={5}
            spellCheck={false}
            value={v.policy}
            onChange={(e) => set("policy", e.target.value)}
          />
        )}
      </Field>
      <label className="checkbox">
        <input
          type="checkbox"
          name="requiresApproval"
          checked={v.requiresApproval}
          onChange={(e) => set("requiresApproval", e.target.checked)}
        />{" "}
        Its tasks wait in review for approval
      </label>
      {byField.requiresApproval ? <div className="field-error">{byField.requiresApproval}</div> : null}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Saving…" : agent ? "Save agent" : "Create agent"}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
