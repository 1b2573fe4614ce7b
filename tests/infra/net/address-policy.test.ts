import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { AddressPolicy, parseAllowList } from "../../../src/infra/net/address-policy.js";

const strict = new AddressPolicy();
const rangeOf = (policy: AddressPolicy, address: string) => {
  const verdict = policy.checkAddress(address);
  return verdict.allowed ? "allowed" : verdict.range;
};

describe("the address policy", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["198.18.0.1", "benchmark"],
    ["192.88.99.1", "6to4-relay"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "ipv4-mapped"],
    ["::ffff:7f00:1", "ipv4-mapped"],
    ["::ffff:8.8.8.8", "ipv4-mapped"],
    ["::ffff:0:808:808", "ipv4-translated"],
    ["::127.0.0.1", "ipv4-compatible"],
    ["::7f00:1", "ipv4-compatible"],
    ["64:ff9b::7f00:1", "nat64"],
    ["64:ff9b::808:808", "nat64"],
    ["64:ff9b:1::a00:1", "nat64"],
    ["2002:7f00:1::1", "6to4"],
    ["2002:808:808::1", "6to4"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["100::1", "discard"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:2::1", "reserved"],
    ["4000::1", "reserved"],
    ["[::1]", "loopback"],
    ["not-an-address", "not-an-address"],
  ])("refuses %s (%s)", (address, range) => {
    expect(rangeOf(strict, address)).toBe(range);
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.216.34", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111", "2a00:1450::1"])(
    "allows the public address %s",
    (address) => expect(rangeOf(strict, address)).toBe("allowed"),
  );

  it("refuses localhost by name, with or without trailing dots, and every subdomain", () => {
    for (const name of ["localhost", "LOCALHOST", "localhost.", "localhost..", "a.localhost", "a.b.localhost."]) {
      expect(strict.checkName(name)).toEqual({ allowed: false, range: "localhost" });
    }
    expect(strict.checkName("localhost.example.com")).toEqual({ allowed: true });
    expect(strict.checkName("notlocalhost")).toEqual({ allowed: true });
  });

  it("FETCH_ALLOW: CIDRs and addresses allow addresses; names lift the name rule only; IPv4 in IPv6 stays refused", () => {
    const policy = new AddressPolicy(parseAllowList(" 127.0.0.1 , 10.1.0.0/16, ::1, localhost., [fd00::]/8 "));
    expect(rangeOf(policy, "127.0.0.1")).toBe("allowed");
    expect(rangeOf(policy, "127.0.0.2")).toBe("loopback");
    expect(rangeOf(policy, "10.1.200.3")).toBe("allowed");
    expect(rangeOf(policy, "10.2.0.1")).toBe("private");
    expect(rangeOf(policy, "::1")).toBe("allowed");
    expect(rangeOf(policy, "fd12::1")).toBe("allowed");
    // An allowed IPv4 address is not reachable in IPv6 clothing.
    expect(rangeOf(policy, "::ffff:127.0.0.1")).toBe("ipv4-mapped");
    expect(rangeOf(policy, "64:ff9b::7f00:1")).toBe("nat64");
    expect(rangeOf(policy, "::127.0.0.1")).toBe("ipv4-compatible");
    expect(policy.checkName("localhost")).toEqual({ allowed: true });
    expect(policy.checkName("a.localhost")).toEqual({ allowed: false, range: "localhost" });
  });

  it("a bad FETCH_ALLOW entry fails the start naming the variable", () => {
    for (const bad of ["127.1", "10.0.0.0/33", "http://x", "host:80", "::1/129", "a b"]) {
      expect(() => loadConfig({ FETCH_ALLOW: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ FETCH_ALLOW: bad })).toThrow(/FETCH_ALLOW/);
    }
  });

  it("the fetch settings: defaults, the User-Agent with its contact URL, and their checks", () => {
    const defaults = loadConfig({}).fetch;
    expect(defaults).toMatchObject({
      maxBytes: 5 * 1024 * 1024,
      timeoutMs: 20_000,
      firstByteTimeoutMs: 10_000,
      hostDelayMs: 1_000,
      userAgent: "agent-system/0.1",
    });
    expect(defaults.allow.cidrs).toEqual([]);
    expect(loadConfig({ FETCH_CONTACT_URL: "https://ops.example/bots" }).fetch.userAgent).toBe(
      "agent-system/0.1 (+https://ops.example/bots)",
    );
    expect(loadConfig({ FETCH_USER_AGENT: "my-crawler/2 (+mailto:ops@example.com)" }).fetch.userAgent).toBe(
      "my-crawler/2 (+mailto:ops@example.com)",
    );
    expect(() => loadConfig({ FETCH_USER_AGENT: "a\u0007b" })).toThrow(/FETCH_USER_AGENT/);
    expect(() => loadConfig({ FETCH_CONTACT_URL: "ftp://x" })).toThrow(/FETCH_CONTACT_URL/);
    expect(() => loadConfig({ FETCH_MAX_BYTES: "12" })).toThrow(/FETCH_MAX_BYTES/);
  });
});
