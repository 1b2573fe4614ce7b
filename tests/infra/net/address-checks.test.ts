import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Resolve } from "../../../src/infra/net/connect-guard.js";
import { createGuardedFetcher, type ClosableFetcher } from "../../../src/infra/net/guarded-fetch.js";
import { fetchConfig, rejection, selfSigned, startWeb, type LocalWeb } from "./local-web.js";

/** A resolver that knows only the names given (what a hostile DNS server would answer). */
function fakeDns(answers: Record<string, string[] | (() => string[])>): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const answer = answers[hostname];
    if (answer === undefined) throw Object.assign(new Error(`${hostname} not found`), { code: "ENOTFOUND" });
    const list = typeof answer === "function" ? answer() : answer;
    return list.map((address) => ({ address, family: address.includes(":") ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { asked });
}

describe("the guarded fetcher's address checks", () => {
  let web: LocalWeb;
  let other: LocalWeb;
  const fetchers: ClosableFetcher[] = [];
  const fetcher = (env: Record<string, string> = {}, resolve?: Resolve) => {
    const made = createGuardedFetcher(fetchConfig(env), { resolve });
    fetchers.push(made);
    return made;
  };

  beforeAll(async () => {
    web = await startWeb((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("hello"));
    other = await startWeb((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("other"), {
      host: "127.0.0.2",
    });
  });
  afterAll(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await Promise.all([web?.close(), other?.close()]);
  });

  const literalForms = [
    ["127.0.0.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["2130706433", "loopback"],
    ["127.1", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["017700000001", "loopback"],
    ["0x7f000001", "loopback"],
    ["127.0.0.1.", "loopback"],
    ["[::ffff:7f00:1]", "ipv4-mapped"],
    ["[::ffff:127.0.0.1]", "ipv4-mapped"],
    ["[::7f00:1]", "ipv4-compatible"],
    ["[64:ff9b::7f00:1]", "nat64"],
    ["[64:ff9b:1::7f00:1]", "nat64"],
    ["[2002:7f00:1::1]", "6to4"],
    ["[2001:0:4136:e378:8000:63bf:80ff:fffe]", "teredo"],
    ["[::1]", "loopback"],
    ["[::]", "unspecified"],
    ["0.0.0.0", "unspecified"],
    ["0", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["192.168.0.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["198.18.0.1", "benchmark"],
    ["192.0.2.1", "documentation"],
    ["[fc00::1]", "unique-local"],
    ["[fd00::1]", "unique-local"],
    ["[fe80::1]", "link-local"],
    ["[ff02::1]", "multicast"],
    ["localhost", "localhost"],
    ["localhost.", "localhost"],
    ["LOCALHOST", "localhost"],
    ["api.localhost", "localhost"],
  ] as const;

  it("refuses every forbidden address form given literally, before any connection", async () => {
    const strict = fetcher({ FETCH_ALLOW: "" });
    for (const [host, range] of literalForms) {
      const err = await rejection(strict.fetch(`http://${host}:${web.port}/`, { robots: false }));
      expect({ host, code: err.code, rule: err.details?.rule, range: err.details?.range }).toEqual({
        host,
        code: "POLICY_DENIED",
        rule: "address",
        range,
      });
    }
    expect(web.connections).toBe(0);
  });

  it("FETCH_ALLOW=127.0.0.1 lets 127.0.0.1 through, and nothing else: not 127.0.0.2, not 127.0.0.1 in IPv6 clothing", async () => {
    const allowing = fetcher();
    const page = await allowing.fetch(`http://0x7f.1:${web.port}/`, { robots: false });
    expect(page.body.toString()).toBe("hello");
    for (const host of [
      "127.0.0.2",
      "[::ffff:7f00:1]",
      "[64:ff9b::7f00:1]",
      "[::7f00:1]",
      "[2002:7f00:1::]",
      "localhost",
    ]) {
      const err = await rejection(allowing.fetch(`http://${host}:${other.port}/`, { robots: false }));
      expect([host, err.code, err.details?.rule]).toEqual([host, "POLICY_DENIED", "address"]);
    }
    expect(other.connections).toBe(0);
  });

  it("refuses a name whose resolver answers 127.0.0.1 (or any forbidden address among its answers)", async () => {
    const dns = fakeDns({
      "evil.test": ["127.0.0.1"],
      "mixed.test": ["93.184.216.34", "10.0.0.7"],
      "mapped.test": ["::ffff:127.0.0.1"],
      "metadata.test": ["169.254.169.254"],
    });
    const strict = fetcher({ FETCH_ALLOW: "" }, dns);
    const before = web.connections;
    const cases = [
      ["evil.test", "127.0.0.1", "loopback"],
      ["mixed.test", "10.0.0.7", "private"],
      ["mapped.test", "::ffff:127.0.0.1", "ipv4-mapped"],
      ["metadata.test", "169.254.169.254", "link-local"],
    ] as const;
    for (const [name, address, range] of cases) {
      const err = await rejection(strict.fetch(`http://${name}:${web.port}/`, { robots: false }));
      expect([err.code, err.details?.rule, err.details?.address, err.details?.range]).toEqual([
        "POLICY_DENIED",
        "address",
        address,
        range,
      ]);
    }
    expect(dns.asked).toEqual(cases.map(([name]) => name));
    expect(web.connections).toBe(before);
  });

  it("connects to the very address the resolver answered and the guard checked", async () => {
    const dns = fakeDns({ "site.test": ["127.0.0.1"] });
    const page = await fetcher({}, dns).fetch(`http://site.test:${web.port}/page`, { robots: false });
    expect(page.status).toBe(200);
    expect(web.hits.at(-1)).toMatchObject({ host: `site.test:${web.port}`, path: "/page" });
    expect(dns.asked).toEqual(["site.test"]);
  });

  it("checks the answer of every connection: a name that rebinds to a forbidden address is refused when it does", async () => {
    let answers = 0;
    const dns = fakeDns({ "rebind.test": () => [++answers === 1 ? "127.0.0.1" : "127.0.0.2"] });
    const allowing = fetcher({}, dns);
    await allowing.fetch(`http://rebind.test:${web.port}/`, { robots: false });
    const err = await rejection(allowing.fetch(`http://rebind.test:${other.port}/`, { robots: false }));
    expect([err.code, err.details?.address, err.details?.range]).toEqual(["POLICY_DENIED", "127.0.0.2", "loopback"]);
    expect(answers).toBe(2);
    expect(other.connections).toBe(0);
  });

  it("fetches http and https only, and no URL with credentials", async () => {
    const allowing = fetcher();
    for (const url of [
      "ftp://127.0.0.1/",
      "file:///etc/passwd",
      "data:text/plain,hi",
      "javascript:alert(1)",
      "ws://127.0.0.1/",
    ]) {
      const err = await rejection(allowing.fetch(url, { robots: false }));
      expect([url, err.code, err.details?.rule]).toEqual([url, "POLICY_DENIED", "scheme"]);
    }
    const err = await rejection(allowing.fetch(`http://user:secret@127.0.0.1:${web.port}/`, { robots: false }));
    expect([err.code, err.details?.rule]).toEqual(["POLICY_DENIED", "credentials"]);
    expect(JSON.stringify(err)).not.toContain("secret");
    expect((await rejection(allowing.fetch("not a url"))).code).toBe("BAD_USER_INPUT");
  });

  it("network failures are typed: dns, unreachable, reset, tls", async () => {
    const allowing = fetcher({}, fakeDns({}));
    const dnsErr = await rejection(allowing.fetch("http://nowhere.test/", { robots: false }));
    expect([dnsErr.code, dnsErr.details?.reason]).toEqual(["FETCH_FAILED", "dns"]);

    const closed = await startWeb(() => undefined);
    await closed.close();
    const refused = await rejection(allowing.fetch(`${closed.origin}/`, { robots: false }));
    expect([refused.code, refused.details?.reason]).toEqual(["FETCH_FAILED", "unreachable"]);

    const cut = await startWeb((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "1000" });
      res.write("only part of it", () => res.destroy());
    });
    const reset = await rejection(allowing.fetch(`${cut.origin}/`, { robots: false }));
    expect([reset.code, reset.details?.reason]).toEqual(["FETCH_FAILED", "reset"]);
    await cut.close();

    const tls = await startWeb((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("secret"), {
      tls: selfSigned(),
    });
    const tlsErr = await rejection(allowing.fetch(`${tls.origin}/`, { robots: false }));
    expect([tlsErr.code, tlsErr.details?.reason]).toEqual(["FETCH_FAILED", "tls"]);
    expect(tls.hits).toHaveLength(0);
    await tls.close();
  });
});
