/**
 * The fake GitHub's GraphQL side: every document is parsed and validated against GitHub's real
 * schema (@octokit/graphql-schema's schema.json) and then executed against that schema over the
 * fake's state, so a recorded document gets the recorded answer (same shape, the state's values)
 * and any other valid document gets what GitHub would give. Resolvers raise GitHub's typed errors
 * (NOT_FOUND, UNPROCESSABLE, …) in GitHub's format: `{type, path, locations, message}`.
 */
import {
  buildClientSchema,
  execute,
  GraphQLError,
  OverlappingFieldsCanBeMergedRule,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
} from "graphql";
import { mutationRoot } from "./fake-github-mutations.js";
import { FakeGitHubError, queryRoot, type GraphContext } from "./fake-github-views.js";

export { FakeGitHubError, type GraphContext };

/**
 * The spec's validation rules as GitHub applies them: all but "fields can be merged", which GitHub
 * does not enforce across the members of a union. Its own CLI sends `...on Issue{state}
 * ...on PullRequest{state}` (IssueState! and PullRequestState!), and GitHub answered it (the
 * recorded IssueByNumber exchange); graphql-js would refuse it.
 */
const githubRules = specifiedRules.filter((rule) => rule !== OverlappingFieldsCanBeMergedRule);

let schemaPromise: Promise<GraphQLSchema> | undefined;

/** GitHub's schema, built once per test process (about 0.3 s). */
export function githubSchema(): Promise<GraphQLSchema> {
  schemaPromise ??= import("@octokit/graphql-schema").then(({ schema }) => buildClientSchema(schema.json as never));
  return schemaPromise;
}

export interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlAnswer {
  data?: unknown;
  errors?: Array<Record<string, unknown>>;
}

/** graphql-js's validation message in GitHub's words where GitHub words it differently. */
function validationError(error: GraphQLError): Record<string, unknown> {
  const locations = error.locations?.map((l) => ({ line: l.line, column: l.column }));
  const field = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message);
  if (field) {
    return {
      locations,
      message: `Field '${field[1]}' doesn't exist on type '${field[2]}'`,
      extensions: { code: "undefinedField", typeName: field[2], fieldName: field[1] },
    };
  }
  return { locations, message: error.message };
}

function executionError(error: GraphQLError): Record<string, unknown> {
  const original = error.originalError;
  const locations = error.locations?.map((l) => ({ line: l.line, column: l.column }));
  if (original instanceof FakeGitHubError) {
    return { type: original.type, path: error.path, locations, message: original.message };
  }
  return { path: error.path, locations, message: error.message };
}

/** Answers one GraphQL request body as GitHub would (HTTP 200 whatever the errors). */
export async function answerGraphql(ctx: GraphContext, body: GraphqlBody): Promise<GraphqlAnswer> {
  if (typeof body.query !== "string" || body.query.trim() === "") {
    return { errors: [{ message: "A query attribute must be specified and must be a string." }] };
  }
  let document;
  try {
    document = parse(body.query);
  } catch (err) {
    const e = err as GraphQLError;
    return { errors: [{ message: e.message, locations: e.locations }] };
  }
  const schema = await githubSchema();
  const problems = validate(schema, document, githubRules);
  if (problems.length > 0) return { data: null, errors: problems.map(validationError) };
  const result = await execute({
    schema,
    document,
    rootValue: { ...queryRoot(ctx), ...mutationRoot(ctx) },
    contextValue: ctx,
    variableValues: (body.variables ?? {}) as Record<string, unknown>,
    operationName: typeof body.operationName === "string" ? body.operationName : undefined,
  });
  const answer: GraphqlAnswer = {};
  if (result.data !== undefined) answer.data = result.data;
  if (result.errors?.length) answer.errors = result.errors.map(executionError);
  return answer;
}
