/**
 * API keys (ADMIN): the list with revoked ones, create (the secret shown once, never cached or
 * stored), revoke with a confirmation.
 */
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useAuth, useCan, useMe } from "../../app/auth";
import { graphql } from "../../gql";
import type { ApiKeysListQuery, Role } from "../../gql/graphql";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { dateTime, humanize, timeAgo } from "../../lib/format";
import { Dialog } from "../../ui/Dialog";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { Empty, QueryState } from "../../ui/States";
import { rawOperation } from "./create-key";
import "./keys.css";

const ApiKeysListDoc = graphql(`
  query ApiKeysList {
    apiKeys(includeRevoked: true) {
      id
      name
      prefix
      role
      createdAt
      lastUsedAt
      revokedAt
      agent {
        id
        name
      }
    }
  }
`);

const KeyAgentsDoc = graphql(`
  query KeyAgents {
    agents(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const CreateKeyViewDoc = graphql(`
  mutation CreateKeyView($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      key
      apiKey {
        id
        name
        prefix
        role
      }
    }
  }
`);

const RevokeKeyViewDoc = graphql(`
  mutation RevokeKeyView($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

type Key = ApiKeysListQuery["apiKeys"][number];

export default function KeysView() {
  const can = useCan();
  if (!can.admin)
    return (
      <Empty>
        <h1>API keys</h1>
        <p>Managing API keys needs an ADMIN key.</p>
      </Empty>
    );
  return <Keys />;
}

function Keys() {
  const me = useMe();
  const [result, refetch] = useQuery({ query: ApiKeysListDoc });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<Key | null>(null);
  return (
    <section aria-labelledby="keys-title">
      <div className="page-header">
        <h1 id="keys-title">API keys</h1>
        <button type="button" className="button-primary" onClick={() => setCreating(true)}>
          Create key
        </button>
      </div>
      <QueryState result={result} label="the API keys">
        {(data) =>
          data.apiKeys.length === 0 ? (
            <Empty>
              <p>No API keys.</p>
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="keys-table" aria-label="API keys, oldest first">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Role</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.apiKeys.map((k) => (
                    <tr key={k.id} data-key={k.name} className={k.revokedAt ? "key-revoked" : undefined}>
                      <th scope="row">{k.name}</th>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{humanize(k.role)}</td>
                      <td>{k.agent?.name ?? <span className="muted">—</span>}</td>
                      <td title={dateTime(k.createdAt)}>{timeAgo(k.createdAt)}</td>
                      <td title={dateTime(k.lastUsedAt)}>{timeAgo(k.lastUsedAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          <span className="badge badge-cancelled" title={dateTime(k.revokedAt)}>
                            Revoked
                          </span>
                        ) : (
                          <span className="badge badge-complete">Active</span>
                        )}
                      </td>
                      <td>
                        {!k.revokedAt && k.id !== me.id ? (
                          <button
                            type="button"
                            className="button-danger"
                            onClick={() => setRevoking(k)}
                            aria-label={`Revoke ${k.name}`}
                          >
                            Revoke
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      <Dialog open={creating} title="Create API key" onClose={() => setCreating(false)}>
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(name, secret) => {
            setCreating(false);
            setCreated({ name, secret });
            refetch({ requestPolicy: "network-only" });
          }}
        />
      </Dialog>
      <Dialog open={created !== null} title="Key created" onClose={() => setCreated(null)}>
        {created ? <Secret name={created.name} secret={created.secret} onDone={() => setCreated(null)} /> : null}
      </Dialog>
      <Dialog open={revoking !== null} title="Revoke API key" onClose={() => setRevoking(null)}>
        {revoking ? <RevokeConfirm apiKey={revoking} onDone={() => setRevoking(null)} /> : null}
      </Dialog>
    </section>
  );
}

function CreateKeyForm({
  onCancel,
  onCreated,
}: {
  onCancel: () => void;
  onCreated: (name: string, secret: string) => void;
}) {
  const { auth } = useAuth();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [agentId, setAgentId] = useState("");
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [busy, setBusy] = useState(false);
  const [agents] = useQuery({ query: KeyAgentsDoc, pause: role !== "AGENT" });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!auth) return;
    setBusy(true);
    const r = await rawOperation(auth.key, CreateKeyViewDoc, {
      input: { name: name.trim(), role, ...(role === "AGENT" && agentId ? { agentId } : {}) },
    });
    setBusy(false);
    if ("errors" in r) return setErrors(r.errors);
    onCreated(r.data.createApiKey.apiKey.name, r.data.createApiKey.key);
  };
  const { byField, other } = errorsByField(errors, ["name", "role", "agentId"]);
  return (
    <form onSubmit={submit} noValidate>
      <ErrorList errors={other} title="The key was not created" />
      <Field label="Name" error={byField.name}>
        {(p) => <input {...p} type="text" name="keyName" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Role" error={byField.role}>
        {(p) => (
          <select {...p} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="VIEWER">Viewer: reads everything, changes nothing</option>
            <option value="OPERATOR">Operator: creates and changes tasks and agents</option>
            <option value="ADMIN">Admin: everything, API keys included</option>
            <option value="AGENT">Agent: acts as one agent</option>
          </select>
        )}
      </Field>
      {role === "AGENT" ? (
        <Field label="Agent" error={byField.agentId}>
          {(p) => (
            <select {...p} name="agentId" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
              <option value="">{agents.fetching && !agents.data ? "Loading agents…" : "Choose an agent"}</option>
              {agents.data?.agents.edges.map(({ node }) => (
                <option key={node.id} value={node.id}>
                  {node.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Creating…" : "Create key"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Secret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Could not copy: select the key and copy it by hand.");
    }
  };
  return (
    <div className="key-secret">
      <p className="banner banner-warning">
        <strong>Copy the key of “{name}” now: it will not be shown again.</strong> Only its prefix is kept.
      </p>
      <label htmlFor="new-key-secret">The new API key</label>
      <input
        id="new-key-secret"
        type="text"
        readOnly
        value={secret}
        className="code-input"
        onFocus={(e) => e.target.select()}
      />
      <div className="actions">
        <button type="button" className="button-primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
        <span role="status" className="muted">
          {copied}
        </span>
      </div>
    </div>
  );
}

function RevokeConfirm({ apiKey, onDone }: { apiKey: Key; onDone: () => void }) {
  const [state, revoke] = useMutation(RevokeKeyViewDoc);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const confirm = async () => {
    const r = await revoke({ id: apiKey.id });
    if (r.error) return setErrors(apiErrors(r.error));
    onDone();
  };
  return (
    <div>
      <p>
        Revoke <strong>{apiKey.name}</strong> (<code>{apiKey.prefix}…</code>, {humanize(apiKey.role)})? It stops working
        at once, on open connections too. This cannot be undone.
      </p>
      <ErrorList errors={errors} />
      <div className="actions">
        <button type="button" className="button-danger" onClick={() => void confirm()} disabled={state.fetching}>
          Revoke key
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}
