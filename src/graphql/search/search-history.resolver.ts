import { Arg, Args, Authorized, Ctx, Query, Resolver } from "type-graphql";
import type { SearchHistoryRecord } from "../../domain/records.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context } from "../context.js";
import { SearchHistoryConnection, SearchHistoryFilter } from "./search-history.type.js";

@Resolver()
export class SearchHistoryResolver {
  @Authorized("VIEWER")
  @Query(() => SearchHistoryConnection, {
    description:
      "Web searches (webSearch), newest first, hits and misses, successes and failures. An AGENT key sees its own agent's only.",
  })
  async searchHistory(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("filter", () => SearchHistoryFilter, {
      nullable: true,
      description: "Only the searches that match; null: all.",
    })
    filter?: SearchHistoryFilter | null,
  ): Promise<ConnectionShape<SearchHistoryRecord>> {
    return toConnection(await ctx.services.search.history(filter, paging, principalOf(ctx)));
  }
}
