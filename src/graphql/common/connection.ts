import { Field, Int, ObjectType, type ClassType } from "type-graphql";
import type { Page } from "../../domain/shared/pagination.js";

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;
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
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Number of items matching the filter, across all pages." })
    totalCount!: number;
  }
  return { Edge, Connection };
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i] as string, node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
    totalCount: () => page.totalCount(),
  };
}
