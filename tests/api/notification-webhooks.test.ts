import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateSecretDocument,
  CreateTaskDocument,
  SecretsDocument,
  SetNotificationSigningSecretDocument,
  SubscribeNotificationsDocument,
  UnsubscribeNotificationsDocument,
} from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const sign = (secret: string, body: Buffer) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const GLOBAL_SECRET = "global-webhook-secret-0123456789";
const OWN_SECRET = "own-secret-of-one-subscription-42";

/**
 * WEBHOOK subscriptions through the outbox to a local receiver: each delivery signed with
 * HMAC-SHA256, by the subscription's own signingSecret when it has one (another subscriber, who
 * knows only the shared one, cannot forge it), else by the GLOBAL WEBHOOK_SIGNING_SECRET.
 */
describe("webhook notifications [sqlite]", () => {
  let s: TestServer;
  let receiver: Server;
  let base = "";
  const got: Array<{ path: string; headers: IncomingHttpHeaders; body: Buffer }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    s = await startTestServer("sqlite", { workers: 1, env: { FETCH_ALLOW: "127.0.0.1", FETCH_HOST_DELAY_MS: "0" } });
    await s.ok(CreateSecretDocument, {
      input: { name: "hooks", kind: "WEBHOOK_SIGNING_SECRET", value: GLOBAL_SECRET, scope: "GLOBAL" },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise((r) => receiver.close(r));
  });

  it("refuses a bad signingSecret, naming the field, and keeps nothing", async () => {
    const r = await s.gql(SubscribeNotificationsDocument, {
      input: { channel: "EMAIL", address: "a@example.com", events: ["TASK_ASSIGNED"], signingSecret: OWN_SECRET },
    });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(JSON.stringify(r.errors?.[0]?.extensions?.fields)).toContain("input.signingSecret");
    const short = await s.gql(SubscribeNotificationsDocument, {
      input: { channel: "WEBHOOK", address: `${base}/x`, events: ["TASK_ASSIGNED"], signingSecret: "short" },
    });
    expect(JSON.stringify(short.errors?.[0]?.extensions?.fields)).toContain("input.signingSecret");
    expect(JSON.stringify(short)).not.toContain('short"');
    const own = await s.gql(CreateSecretDocument, {
      input: { name: "mine", kind: "WEBHOOK_SIGNING_SECRET", value: OWN_SECRET, scope: "SUBSCRIPTION" },
    });
    expect(JSON.stringify(own.errors?.[0]?.extensions?.fields)).toContain("scope");
    expect((await s.ok(SecretsDocument, { first: 50 })).secrets.totalCount).toBe(1);
  });

  it("signs with the subscription's own secret, or the shared one, and removes the own secret with the subscription", async () => {
    const mine = (
      await s.ok(SubscribeNotificationsDocument, {
        input: { channel: "WEBHOOK", address: `${base}/own`, events: ["TASK_ASSIGNED"], signingSecret: OWN_SECRET },
      })
    ).subscribeNotifications;
    const shared = (
      await s.ok(SubscribeNotificationsDocument, {
        input: { channel: "WEBHOOK", address: `${base}/shared`, events: ["TASK_ASSIGNED"] },
      })
    ).subscribeNotifications;
    expect([mine.ownSigningSecret, shared.ownSigningSecret]).toEqual([true, false]);
    const listed = (await s.ok(SecretsDocument, { first: 50, scope: "SUBSCRIPTION" })).secrets.edges.map((e) => e.node);
    expect(listed).toEqual([expect.objectContaining({ scopeId: mine.id, kind: "WEBHOOK_SIGNING_SECRET" })]);
    expect(JSON.stringify(listed)).not.toContain(OWN_SECRET);

    await s.ok(CreateAgentDocument, { input: { name: "hooked", minComplexity: 2, maxComplexity: 2 } });
    const task = (await s.ok(CreateTaskDocument, { input: { title: "Hook me", complexity: 2 } })).createTask;
    const both = await untilValue("both deliveries", async () => (got.length >= 2 ? got : null));
    const own = both.find((d) => d.path === "/own")!;
    const other = both.find((d) => d.path === "/shared")!;
    expect(JSON.parse(own.body.toString())).toMatchObject({ event: "TASK_ASSIGNED", taskId: task.id });
    expect(own.headers["x-agent-signature"]).toBe(sign(OWN_SECRET, own.body));
    expect(own.headers["x-agent-signature"]).not.toBe(sign(GLOBAL_SECRET, own.body));
    expect(other.headers["x-agent-signature"]).toBe(sign(GLOBAL_SECRET, other.body));

    await s.ok(UnsubscribeNotificationsDocument, { id: mine.id });
    expect((await s.ok(SecretsDocument, { first: 50, scope: "SUBSCRIPTION" })).secrets.totalCount).toBe(0);
  });

  it("replaces a subscription's own secret in place, or gives it one; refuses bad input and others' subscriptions", async () => {
    const NEW_SECRET = "rotated-secret-of-the-subscription-7";
    const GIVEN_SECRET = "given-secret-of-a-shared-subscription";
    const subscribe = async (path: string, signingSecret?: string) =>
      (
        await s.ok(SubscribeNotificationsDocument, {
          input: { channel: "WEBHOOK", address: `${base}${path}`, events: ["TASK_ASSIGNED"], signingSecret },
        })
      ).subscribeNotifications;
    const rotating = await subscribe("/rotating", OWN_SECRET);
    const given = await subscribe("/given");
    const secretsOf = async (id: string) =>
      (await s.ok(SecretsDocument, { first: 50, scope: "SUBSCRIPTION" })).secrets.edges
        .map((e) => e.node)
        .filter((n) => n.scopeId === id);
    const [before] = await secretsOf(rotating.id);

    // Bad input: named, nothing changed.
    const short = await s.gql(SetNotificationSigningSecretDocument, { id: rotating.id, signingSecret: "short" });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(JSON.stringify(short.errors?.[0]?.extensions?.fields)).toContain("signingSecret");
    const email = (
      await s.ok(SubscribeNotificationsDocument, {
        input: { channel: "EMAIL", address: "ops@example.com", events: ["TASK_ASSIGNED"] },
      })
    ).subscribeNotifications;
    const notWebhook = await s.gql(SetNotificationSigningSecretDocument, { id: email.id, signingSecret: NEW_SECRET });
    expect(JSON.stringify(notWebhook.errors?.[0]?.extensions?.fields)).toContain("only for WEBHOOK");
    await s.ok(UnsubscribeNotificationsDocument, { id: email.id });
    const missing = await s.gql(SetNotificationSigningSecretDocument, {
      id: "01a24dca-7fb0-7132-8b45-4376721f9328",
      signingSecret: NEW_SECRET,
    });
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const operator = (await s.ok(CreateApiKeyDocument, { input: { name: "rotator", role: "OPERATOR" } })).createApiKey
      .key;
    const others = await s.gql(
      SetNotificationSigningSecretDocument,
      { id: rotating.id, signingSecret: NEW_SECRET },
      operator,
    );
    expect(others.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await secretsOf(rotating.id)).toEqual([before]);

    // Replaced in place (same secret, new value), and given to the subscription that had none.
    const rotated = (await s.ok(SetNotificationSigningSecretDocument, { id: rotating.id, signingSecret: NEW_SECRET }))
      .setNotificationSigningSecret;
    expect(rotated.ownSigningSecret).toBe(true);
    const [after] = await secretsOf(rotating.id);
    expect(after?.id).toBe(before?.id);
    expect(after?.updatedAt).not.toBe(before?.updatedAt);
    const gotOne = (await s.ok(SetNotificationSigningSecretDocument, { id: given.id, signingSecret: GIVEN_SECRET }))
      .setNotificationSigningSecret;
    expect(gotOne.ownSigningSecret).toBe(true);
    expect(await secretsOf(given.id)).toHaveLength(1);

    // The next deliveries are signed with the new secrets.
    await s.ok(CreateAgentDocument, { input: { name: "rotated", minComplexity: 3, maxComplexity: 3 } });
    await s.ok(CreateTaskDocument, { input: { title: "Hook me again", complexity: 3 } });
    const delivered = await untilValue("deliveries to both", async () => {
      const r = got.find((d) => d.path === "/rotating");
      const g = got.find((d) => d.path === "/given");
      return r && g ? { r, g } : null;
    });
    expect(delivered.r.headers["x-agent-signature"]).toBe(sign(NEW_SECRET, delivered.r.body));
    expect(delivered.g.headers["x-agent-signature"]).toBe(sign(GIVEN_SECRET, delivered.g.body));
    expect(JSON.stringify(rotated), "the secret is never shown").not.toContain(NEW_SECRET);
    await s.ok(UnsubscribeNotificationsDocument, { id: rotating.id });
    await s.ok(UnsubscribeNotificationsDocument, { id: given.id });
  });
});
