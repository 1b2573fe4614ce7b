import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

function within(set: SelectionSetNode | undefined, path: readonly string[], info: GraphQLResolveInfo): boolean {
  if (!set) return false;
  const [name, ...rest] = path;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value === name && (rest.length === 0 || within(sel.selectionSet, rest, info))) return true;
    } else {
      const inner = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : info.fragments[sel.name.value]?.selectionSet;
      if (within(inner, path, info)) return true;
    }
  }
  return false;
}

/**
 * Whether the operation asks for `path` (field names, not aliases) below the field being resolved,
 * through fragments; a connection resolver uses it to fetch what its nodes' fields need in one go.
 */
export const selects = (info: GraphQLResolveInfo, ...path: string[]): boolean =>
  info.fieldNodes.some((f) => within(f.selectionSet, path, info));
