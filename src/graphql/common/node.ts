import { Field, ID, InterfaceType } from "type-graphql";
import type { NodeType } from "../../domain/nodes/node.service.js";

/** The API type of each record `node`/`nodes` return (records are plain objects). */
const typeOf = new WeakMap<object, NodeType>();

/** `record`, marked as the object of API type `type` wherever a `Node` is expected. */
export function asNode<T extends object>(type: NodeType, record: T): T {
  typeOf.set(record, type);
  return record;
}

@InterfaceType("Node", {
  description:
    "An object with a global id (Relay's Node): ids are unique across every type, and `node(id)` finds the object again (to refetch it, say).",
  resolveType: (value: object) => typeOf.get(value),
})
export abstract class Node {
  @Field(() => ID, { description: "The global id: unique across every type." })
  id!: string;
}
