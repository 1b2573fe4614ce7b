import DataLoader from "dataloader";
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Resolver, Root } from "type-graphql";
import { maySeeTask } from "../../domain/auth/access.js";
import type { CitationRecord, SourceRecord, TaskRecord } from "../../domain/records.js";
import { MAX_SOURCE_LIST } from "../../domain/research/source.service.js";
import { principalOf, type Context } from "../context.js";
import { Task } from "../task/task.type.js";
import { Citation, Source } from "./source.type.js";

/** One loader of sources by id per request (a list of citations asks for each one's source). */
const sourceLoaders = new WeakMap<Context, DataLoader<string, SourceRecord | null>>();

function sourceLoader(ctx: Context): DataLoader<string, SourceRecord | null> {
  let loader = sourceLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = new Map((await ctx.services.sources.byIds(ids)).map((s) => [s.id, s]));
      return ids.map((id) => found.get(id) ?? null);
    });
    sourceLoaders.set(ctx, loader);
  }
  return loader;
}

@Resolver(() => Task)
export class TaskSourcesResolver {
  @Authorized("VIEWER")
  @FieldResolver(() => [Source], {
    description: `The sources research and addSource stored for the task, oldest first (at most \`first\`, 0 to ${MAX_SOURCE_LIST}).`,
  })
  sources(
    @Root() task: TaskRecord,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, defaultValue: 100, description: `0 to ${MAX_SOURCE_LIST}.` })
    first?: number,
  ): Promise<SourceRecord[]> | SourceRecord[] {
    if (!maySeeTask(principalOf(ctx), task)) return [];
    return ctx.services.sources.ofTask(task.id, first);
  }

  @Authorized("VIEWER")
  @FieldResolver(() => [Citation], {
    description: `The citations of the task's research syntheses, oldest first, each checked against its source (at most \`first\`, 0 to ${MAX_SOURCE_LIST}).`,
  })
  citations(
    @Root() task: TaskRecord,
    @Ctx() ctx: Context,
    @Arg("researchId", () => ID, { nullable: true, description: "Only the citations of this research run." })
    researchId?: string | null,
    @Arg("first", () => Int, { nullable: true, defaultValue: 100, description: `0 to ${MAX_SOURCE_LIST}.` })
    first?: number,
  ): Promise<CitationRecord[]> | CitationRecord[] {
    if (!maySeeTask(principalOf(ctx), task)) return [];
    return ctx.services.sources.citationsOfTask(task.id, researchId, first);
  }
}

@Resolver(() => Citation)
export class CitationResolver {
  @FieldResolver(() => Source, {
    nullable: true,
    description: "The cited source (of the same task); null when the number names no source of the run.",
  })
  source(@Root() citation: CitationRecord, @Ctx() ctx: Context): Promise<SourceRecord | null> | null {
    return citation.sourceId ? sourceLoader(ctx).load(citation.sourceId) : null;
  }
}
