import { ArgsType, Field, Int, ObjectType, type ClassType } from "type-graphql";
import type { Page, PageArgs } from "../../domain/shared/pagination.js";

@ObjectType({
  simpleResolvers: true,
  description: "Where a page of a connection lies in the whole list (Relay's cursor connections).",
})
export class PageInfo {
  @Field(() => Boolean, { description: "Whether items follow the page: pass endCursor as `after` to get them." })
  hasNextPage!: boolean;

  @Field(() => Boolean, {
    description:
      "Whether items precede the page: pass startCursor as `before` (with `last`) to get them. Exact when paging backward; paging forward, true when `after` was given.",
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor; null for an empty page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The last edge's cursor; null for an empty page." })
  endCursor!: string | null;
}

/** Relay's connection arguments, on every connection. */
@ArgsType()
export class ConnectionArgs implements PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: "The first n items (after `after`), 0 to 100; 20 when neither first nor last is given.",
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "A cursor: only the items after it (lists are newest first, so older ones).",
  })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "The last n items (before `before`), 0 to 100; not together with first.",
  })
  last?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "A cursor: only the items before it (newer ones).",
  })
  before?: string | null;
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: EdgeShape<T>[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
}

/** Relay connection types for one node type. */
export function connectionTypes<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, {
    simpleResolvers: true,
    description: `An edge of a ${name}Connection: one item and its cursor.`,
  })
  class Edge {
    @Field(() => String, { description: "Pass as `after` or `before` to page from this item." })
    cursor!: string;

    @Field(() => node, { description: "The item." })
    node!: T;
  }

  @ObjectType(`${name}Connection`, {
    simpleResolvers: true,
    description: `A page of the ${name} list (a Relay cursor connection), newest first.`,
  })
  class Connection {
    @Field(() => [Edge], { description: "The page's items, in list order." })
    edges!: Edge[];

    @Field(() => PageInfo, { description: "Whether more items lie before or after the page, and where." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Number of items matching the filter, across all pages." })
    totalCount!: number;
  }
  return { Edge, Connection };
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i] as string, node })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
    totalCount: () => page.totalCount(),
  };
}
