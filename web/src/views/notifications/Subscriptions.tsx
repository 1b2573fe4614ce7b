/** The key's notification subscriptions: list, subscribe (channel, address, events), unsubscribe. */
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import type { NotificationChannel, NotificationEvent } from "../../gql/graphql";
import { apiErrors, errorsByField, type ApiError } from "../../lib/errors";
import { humanize } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Field } from "../../ui/Field";
import { QueryState } from "../../ui/States";
import { MySubscriptionsDoc, SubscribeDoc, UnsubscribeDoc } from "./queries";

const EVENTS: NotificationEvent[] = [
  "TASK_ASSIGNED",
  "TASK_COMPLETED",
  "TASK_FAILED",
  "TASK_PAUSED",
  "NEEDS_APPROVAL",
  "REPORT_READY",
  "AGENT_OFFLINE",
  "MENTIONED",
];

export function Subscriptions() {
  const [result, refetch] = useQuery({ query: MySubscriptionsDoc });
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [, unsubscribe] = useMutation(UnsubscribeDoc);
  const remove = async (id: string) => {
    const r = await unsubscribe({ id });
    setErrors(apiErrors(r.error));
    refetch({ requestPolicy: "network-only" });
  };
  return (
    <section className="subs-section" aria-labelledby="subs-title">
      <h2 id="subs-title">Your subscriptions</h2>
      <ErrorList errors={errors} />
      <QueryState result={result} label="the subscriptions">
        {(data) =>
          data.notificationSubscriptions.edges.length === 0 ? (
            <p className="muted">No subscriptions yet: nothing will be sent to this key.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col">Address</th>
                    <th scope="col">Events</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.notificationSubscriptions.edges.map(({ node: s }) => (
                    <tr key={s.id}>
                      <td>{humanize(s.channel)}</td>
                      <td>{s.address ?? <span className="muted">in the app</span>}</td>
                      <td>{s.events.map(humanize).join(", ")}</td>
                      <td>
                        <button type="button" className="button-danger" onClick={() => void remove(s.id)}>
                          Unsubscribe
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      <SubscribeForm onDone={() => refetch({ requestPolicy: "network-only" })} />
    </section>
  );
}

function SubscribeForm({ onDone }: { onDone: () => void }) {
  const [channel, setChannel] = useState<NotificationChannel>("IN_APP");
  const [address, setAddress] = useState("");
  const [events, setEvents] = useState<NotificationEvent[]>([]);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [state, subscribe] = useMutation(SubscribeDoc);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await subscribe({
      input: { channel, events, ...(channel !== "IN_APP" && address.trim() ? { address: address.trim() } : {}) },
    });
    setErrors(apiErrors(r.error));
    if (!r.error) {
      setEvents([]);
      setAddress("");
      onDone();
    }
  };
  const { byField, other } = errorsByField(errors, ["channel", "address", "events"]);
  return (
    <form className="card subs-form" onSubmit={submit} noValidate aria-labelledby="subscribe-title">
      <h3 id="subscribe-title">Subscribe</h3>
      <ErrorList errors={other} title="Not subscribed" />
      <div className="form-row">
        <Field label="Channel" error={byField.channel}>
          {(p) => (
            <select {...p} value={channel} onChange={(e) => setChannel(e.target.value as NotificationChannel)}>
              <option value="IN_APP">In the app</option>
              <option value="EMAIL">Email</option>
              <option value="WEBHOOK">Webhook</option>
            </select>
          )}
        </Field>
        {channel !== "IN_APP" ? (
          <Field label={channel === "EMAIL" ? "Email address" : "Webhook URL"} error={byField.address}>
            {(p) => (
              <input
                {...p}
                type={channel === "EMAIL" ? "email" : "text"}
                value={address}
                onChange={(e) => setAddress(e.target.value)}
              />
            )}
          </Field>
        ) : null}
      </div>
      <fieldset className="subs-events" aria-describedby={byField.events ? "subs-events-error" : undefined}>
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev} className="checkbox">
            <input
              type="checkbox"
              name="events"
              value={ev}
              checked={events.includes(ev)}
              onChange={(e) => setEvents((s) => (e.target.checked ? [...s, ev] : s.filter((x) => x !== ev)))}
            />{" "}
            {humanize(ev)}
          </label>
        ))}
      </fieldset>
      {byField.events ? (
        <div className="field-error" id="subs-events-error">
          {byField.events}
        </div>
      ) : null}
      <button type="submit" className="button-primary" disabled={state.fetching}>
        Subscribe
      </button>
    </form>
  );
}
