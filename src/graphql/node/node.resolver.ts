import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { maxNodeIds } from "../../domain/nodes/node.service.js";
import { asNode, Node } from "../common/node.js";
import { principalOf, type Context } from "../context.js";

/** Relay's object identification: any object with a global id, found again by it. */
@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description:
      "The object with this global id, of whatever type; null when there is none or your key may not see it (as its own query would answer).",
  })
  async node(
    @Arg("id", () => ID, { description: "A global id (any object's `id`)." }) id: string,
    @Ctx() ctx: Context,
  ) {
    const [found] = await ctx.services.nodes.find([id], principalOf(ctx));
    return found ? asNode(found.type, found.record) : null;
  }

  @Authorized()
  @Query(() => [Node], {
    nullable: "items",
    description: `The objects with these global ids, in the same order, null for each that is missing or hidden from your key (at most ${maxNodeIds} ids).`,
  })
  async nodes(
    @Arg("ids", () => [ID], { description: `Global ids, at most ${maxNodeIds}.` }) ids: string[],
    @Ctx() ctx: Context,
  ) {
    const found = await ctx.services.nodes.find(ids, principalOf(ctx));
    return found.map((n) => (n ? asNode(n.type, n.record) : null));
  }
}
