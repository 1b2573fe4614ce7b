import type { ApolloServerPlugin } from "@apollo/server";
import { Metrics } from "./metrics.js";

/**
 * Counts every HTTP GraphQL operation, its duration and its errors by code. Requests that fail
 * before an operation is known (parse or validation errors) count under their type "unknown".
 */
export function metricsPlugin<C extends object>(metrics: Metrics): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation = "anonymous";
      let type = "unknown";
      return {
        async didResolveOperation(rc) {
          operation = metrics.operationLabel(rc.operationName);
          type = Metrics.typeLabel(rc.operation?.operation);
        },
        async didEncounterErrors(rc) {
          if (type === "unknown") operation = metrics.operationLabel(rc.request.operationName);
          for (const e of rc.errors) {
            metrics.graphqlErrors.inc({ operation, type, code: Metrics.codeLabel(e.extensions?.code) });
          }
        },
        async willSendResponse() {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.graphqlOperations.inc({ operation, type });
          metrics.graphqlDuration.observe({ operation, type }, seconds);
        },
      };
    },
  };
}
