import type { Config, ModelConfig } from "../config.js";
import type { PubSub } from "../infra/pubsub/pubsub.js";
import { DEFAULT_OPENROUTER_BASE_URL, ModelClient } from "../infra/models/model-client.js";
import type { AppLogger } from "../logger.js";
import type { AppServices } from "../services.js";
import { ModelRuntime, type ModelRuntimeDeps } from "./model.runtime.js";
import type { AgentRuntime } from "./runtime.js";
import { ScriptedRuntime } from "./scripted.runtime.js";

/**
 * The client of the configured model server, or why there is none: OpenRouter needs a key; any
 * other OpenAI-compatible server (Ollama, vLLM, LM Studio) may not. The runtime and the research
 * tool's synthesis use it alike.
 */
export function modelServer(
  m: ModelConfig,
  logger?: AppLogger,
): { client: ModelClient | null; missing: string | null } {
  const missing =
    m.baseUrl === DEFAULT_OPENROUTER_BASE_URL && !m.apiKey
      ? "OPENROUTER_API_KEY is not set (or set OPENROUTER_BASE_URL to an OpenAI-compatible server)"
      : null;
  if (missing) return { client: null, missing };
  const client = new ModelClient({
    baseUrl: m.baseUrl,
    apiKey: m.apiKey,
    timeoutMs: m.timeoutMs,
    headers: { "X-Title": "agent-system" },
    ...(logger ? { logger } : {}),
  });
  return { client, missing: null };
}

/** The runtime builtin agents run with: a language model (default) or the scripted walk. */
export function pickRuntime(
  config: Config,
  services: AppServices,
  pubsub: PubSub,
  logger: AppLogger,
  opts: {
    scriptedStepMs?: number;
    modelRuntime?: Pick<ModelRuntimeDeps, "backoffBaseMs" | "streamFlushMs" | "onStep">;
  },
): AgentRuntime {
  if (config.agentRuntime === "scripted") {
    return new ScriptedRuntime(services.tasks, opts.scriptedStepMs ?? config.agentRuntimeStepMs);
  }
  const m = config.model;
  // Its debug lines ("model request", "model response") carry the run's task and trace ids.
  const { client, missing } = modelServer(m, logger);
  if (missing) logger.warn({ missing }, "builtin agents wait: no model server is configured");
  return new ModelRuntime({
    tasks: services.tasks,
    control: services.control,
    agents: services.agents,
    usage: services.usage,
    tools: services.tools,
    commands: services.commands,
    store: services.runs,
    pubsub,
    logger,
    client,
    missing,
    config: m,
    ...opts.modelRuntime,
  });
}
