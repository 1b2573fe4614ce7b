import { notFound } from "../../domain/errors.js";
import type { TaskLinkService } from "../../domain/links/task-link.service.js";
import type { SourceService } from "../../domain/research/source.service.js";
import type { TaskService } from "../../domain/tasks/task.service.js";
import type { UsageService } from "../../domain/usage/usage.service.js";
import type { TaskFacts } from "./templates.js";

/** Events read for a report's phases (a task has a few STATUS_CHANGE events among them). */
const EVENT_PAGE = 500;
const EVENT_PAGES_MAX = 20;
const SOURCES_MAX = 200;

export interface FactSources {
  tasks: TaskService;
  usage: UsageService;
  links: TaskLinkService;
  sources: SourceService;
}

/** A task's facts for a report, read from the service's records (never from the workspace). */
export async function taskFacts(from: FactSources, taskId: string): Promise<Omit<TaskFacts, "files">> {
  const task = await from.tasks.get(taskId);
  if (!task) throw notFound("Task", taskId, "workspaceId");
  const phases: Array<{ status: string; at: Date }> = [];
  let after = 0;
  for (let page = 0; page < EVENT_PAGES_MAX; page += 1) {
    const events = await from.tasks.events(taskId, after, EVENT_PAGE);
    for (const e of events) {
      const to = (e.data as { to?: unknown } | null)?.to;
      if (e.type === "STATUS_CHANGE" && typeof to === "string") phases.push({ status: to, at: e.createdAt });
    }
    if (events.length < EVENT_PAGE) break;
    after = events.at(-1)!.seq;
  }
  const [usage, links, sources, citations] = await Promise.all([
    from.usage.ofTask(taskId),
    from.links.ofTask(taskId),
    from.sources.ofTask(taskId, SOURCES_MAX),
    from.sources.citationsOfTask(taskId, null, SOURCES_MAX),
  ]);
  return {
    task: {
      id: task.id,
      title: task.title,
      status: task.status,
      summary: task.summary,
      description: task.description,
      createdAt: task.createdAt,
    },
    phases,
    usage,
    links,
    sources,
    citations,
  };
}
