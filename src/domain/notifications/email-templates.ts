import type { NotificationRecord } from "../records.js";
import type { NotificationEvent } from "./notification-terms.js";

/** An email made from a notification: the subject and both bodies (every value escaped in the HTML). */
export interface NotificationEmail {
  subject: string;
  text: string;
  html: string;
}

/** What a template says about one event: a lead line, and what the reader is asked to do (with the link). */
interface EventTemplate {
  lead: string;
  action: string;
}

const templates: Record<NotificationEvent, EventTemplate> = {
  TASK_ASSIGNED: { lead: "An agent took the task and is working on it.", action: "Follow the task" },
  NEEDS_APPROVAL: {
    lead: "The task waits in REVIEW for a person: approve it (approveTask) or send it back (rejectTask).",
    action: "Review the task",
  },
  TASK_COMPLETED: { lead: "The task is complete.", action: "See the result" },
  TASK_FAILED: { lead: "The task failed; it can be retried.", action: "See what went wrong" },
  TASK_PAUSED: { lead: "The task was paused; resumeTask continues it.", action: "Open the task" },
  AGENT_OFFLINE: {
    lead: "The agent stopped sending heartbeats; its tasks wait until it is back or they are reassigned.",
    action: "Open the dashboard",
  },
  REPORT_READY: { lead: "A PDF report of the task is ready.", action: "Open the task" },
  MENTIONED: { lead: "You were mentioned in a channel.", action: "Read the conversation" },
};

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** Details worth a line in the message: the task's status, the move, the reason, the report's path. */
function details(n: NotificationRecord): Array<[string, string]> {
  const d = (n.data ?? {}) as Record<string, unknown>;
  const out: Array<[string, string]> = [];
  const add = (label: string, value: unknown) => {
    if (typeof value === "string" && value !== "") out.push([label, value]);
  };
  if (typeof d.from === "string" && typeof d.to === "string" && d.from !== d.to) add("Moved", `${d.from} → ${d.to}`);
  else add("Status", d.status);
  add("Reason", d.reason);
  add("By", d.by);
  add("Report", d.path);
  add("Channel", d.channel);
  return out;
}

/**
 * The email of one notification, per event: a lead line saying what happened and what the reader
 * can do, the notification's own text, the details, and a link to the task (PUBLIC_URL) when there
 * is one. `attached` names a file sent with the message (the report of REPORT_READY); `note` adds
 * a line (why a report could not be attached, say). Values are escaped in the HTML; the subject is
 * one line.
 */
export function notificationEmail(
  n: NotificationRecord,
  link: string | null,
  extra: { attached?: string; note?: string } = {},
): NotificationEmail {
  const event = n.event as NotificationEvent;
  const template = templates[event] ?? { lead: "", action: "Open the task" };
  const rows = details(n);
  const body = n.body.trim() !== "" && n.body !== n.title ? n.body : "";
  const notes = [
    ...(extra.attached ? [`The report is attached: ${extra.attached}.`] : []),
    ...(extra.note ? [extra.note] : []),
  ];
  const text = [
    n.title,
    "",
    template.lead,
    ...(body ? ["", body] : []),
    ...(rows.length > 0 ? ["", ...rows.map(([k, v]) => `${k}: ${v}`)] : []),
    ...(notes.length > 0 ? ["", ...notes] : []),
    ...(link ? ["", `${template.action}: ${link}`] : []),
  ].join("\n");
  const html = [
    `<h2>${escapeHtml(n.title)}</h2>`,
    `<p>${escapeHtml(template.lead)}</p>`,
    ...(body ? [`<p>${escapeHtml(body).replace(/\n/g, "<br>")}</p>`] : []),
    ...(rows.length > 0
      ? [
          "<table>",
          ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
          "</table>",
        ]
      : []),
    ...notes.map((line) => `<p>${escapeHtml(line)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(template.action)}</a></p>`] : []),
  ].join("\n");
  return { subject: n.title.replace(/[\r\n]+/g, " ").slice(0, 200), text, html };
}
