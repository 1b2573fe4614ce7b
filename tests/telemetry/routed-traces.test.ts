/**
 * A workspace operation routed to its holder (another machine, in a cluster) stays in the trace
 * of the work that asked for it: the requester's `workspace <op>` client span is the parent of
 * the holder's server span, whose own spans are its children. Two holders in this process stand
 * for two machines (see workspace-router.contract.test.ts); the SDK exports to a local receiver.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RemoteHandler } from "../../src/domain/workspaces/workspace-router.js";
import type { Database } from "../../src/infra/db/orm.js";
import { MemoryPubSub } from "../../src/infra/pubsub/memory.js";
import { SqlWorkspaceRemote } from "../../src/infra/workspace-remote/sql-remote.js";
import { startTracing } from "../../src/telemetry/sdk.js";
import { traced, traceparentOf } from "../../src/telemetry/tracing.js";
import type { Tracing } from "../../src/telemetry/tracing-switch.js";
import { describeProfiles } from "../helpers/profiles.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../helpers/otlp-receiver.js";
import { storeDatabase } from "../helpers/store-db.js";

const logger = { info() {}, warn() {}, error() {}, debug() {} };
const CLIENT = 3;
const SERVER = 2;

describeProfiles("a routed workspace operation's spans", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let stopHolder: () => Promise<void>;
  let remote: SqlWorkspaceRemote;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = startTracing({ endpoint: receiver.url, headers: {}, serviceName: "routed" }, logger);
    ({ db, close } = await storeDatabase(profile));
    remote = new SqlWorkspaceRemote({ db, pubsub: new MemoryPubSub(), logger, holderAlive: async () => true });
    const handlers = new Map<string, RemoteHandler>([
      ["listFiles", async (input) => traced("tool listFiles", {}, async () => ({ result: input }))],
    ]);
    stopHolder = await remote.serve("holder-a", handlers);
  });
  afterAll(async () => {
    await stopHolder?.();
    await tracing?.stop();
    await close?.();
    await receiver?.close();
  });

  it("the holder's span is the child of the requester's, in its trace", async () => {
    await traced("mutation ListFiles", {}, async () => {
      expect((await remote.request("holder-a", "listFiles", { path: "." })).result).toEqual({ path: "." });
    });
    await traced("outside", { root: true }, async () => {});
    await tracing.flush();
    const named = (name: string): ReceivedSpan[] => receiver.spans.filter((sp) => sp.name === name);
    const [request] = named("mutation ListFiles");
    const client = named("workspace listFiles").find((sp) => sp.kind === CLIENT);
    const server = named("workspace listFiles").find((sp) => sp.kind === SERVER);
    const [tool] = named("tool listFiles");
    expect(client?.parentSpanId).toBe(request?.spanId);
    expect(server?.parentSpanId).toBe(client?.spanId);
    expect(tool?.parentSpanId).toBe(server?.spanId);
    for (const sp of [client, server, tool]) expect(sp?.traceId).toBe(request?.traceId);
    expect(named("outside")[0]?.traceId).not.toBe(request?.traceId);
  });

  it("reads back only a well-formed traceparent (a request row is data: it may hold anything)", () => {
    const ok = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    expect(traceparentOf(ok)).toEqual({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
    for (const bad of [
      null,
      7,
      "",
      "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      `00-${"0".repeat(32)}-b7ad6b7169203331-01`,
      `${ok} `,
    ]) {
      expect(traceparentOf(bad)).toBeUndefined();
    }
  });
});
