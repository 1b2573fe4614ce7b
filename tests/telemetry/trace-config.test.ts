import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_SERVICE_NAME, loadConfig, parseOtlpHeaders } from "../../src/config.js";
import { tracesUrl } from "../../src/telemetry/sdk.js";
import { errorCodeOf } from "../../src/telemetry/tracing.js";
import { DomainError } from "../../src/domain/errors.js";
import { ModelError } from "../../src/infra/models/model-client.js";

const base = { DATA_DIR: "/tmp/agents-config-test" };

describe("trace settings", () => {
  it("OTEL_EXPORTER_OTLP_ENDPOINT unset or empty: traces off", () => {
    expect(loadConfig(base).traces).toBeNull();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "" }).traces).toBeNull();
  });

  it("set: the endpoint, the headers and the service name", () => {
    const config = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic%20dXNlcjpwYXNz , x-scope=team%2Ca",
      OTEL_SERVICE_NAME: "agents-prod",
    });
    expect(config.traces).toEqual({
      endpoint: "https://collector.example:4318",
      headers: { authorization: "Basic dXNlcjpwYXNz", "x-scope": "team,a" },
      serviceName: "agents-prod",
    });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }).traces).toEqual({
      endpoint: "http://127.0.0.1:4318",
      headers: {},
      serviceName: DEFAULT_SERVICE_NAME,
    });
  });

  it("a bad endpoint or header list is refused by name, never echoing the value", () => {
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(ConfigError);
    const secret = "s3cr3t-token-value";
    let error: unknown;
    try {
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318",
        OTEL_EXPORTER_OTLP_HEADERS: `Bearer ${secret}`,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("OTEL_EXPORTER_OTLP_HEADERS");
    expect((error as Error).message).not.toContain(secret);
    expect(parseOtlpHeaders("a=%E0%A4%A")).toBeNull();
    expect(parseOtlpHeaders("")).toEqual({});
  });

  it("spans go to <endpoint>/v1/traces", () => {
    expect(tracesUrl("http://127.0.0.1:4318")).toBe("http://127.0.0.1:4318/v1/traces");
    expect(tracesUrl("https://otel.example/base/")).toBe("https://otel.example/base/v1/traces");
  });

  it("a failed span's code: a model error's kind, the typed error's code, an error class, else INTERNAL", () => {
    expect(errorCodeOf(new DomainError("NOT_FOUND", "Task x not found"))).toBe("NOT_FOUND");
    expect(errorCodeOf(new ModelError("RATE_LIMITED", true, "slow down", { code: "PROVIDER_CODE" }))).toBe(
      "RATE_LIMITED",
    );
    class QueueStoppingError extends Error {
      override name = "QueueStoppingError";
    }
    expect(errorCodeOf(new QueueStoppingError("stopping"))).toBe("QueueStoppingError");
    expect(errorCodeOf(new Error("password=hunter2"))).toBe("INTERNAL");
    expect(errorCodeOf({ code: "secret value with spaces" })).toBe("INTERNAL");
  });
});
