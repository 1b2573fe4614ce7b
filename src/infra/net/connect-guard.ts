import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { policyDenied } from "../../domain/errors.js";
import { AddressPolicy, normalizeHostName } from "./address-policy.js";
import { addressDenied, fetchFailed } from "./fetch-errors.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver by default; tests inject their own). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

const schemes = new Set(["http:", "https:"]);

/**
 * Where every connection the service makes to the web is checked: the URL's scheme and host
 * before anything is sent, and each resolved address AT CONNECT TIME. `lookupFor` is handed to
 * http.request / net.connect as their `lookup`: it resolves, refuses unless every address passes,
 * and answers the socket with those very addresses, so there is no separate pre-check whose
 * answer could differ from the address connected to (DNS rebinding). An address literal is not
 * resolved by node at all: `checkUrl` checks it, and it cannot change.
 */
export class ConnectGuard {
  constructor(
    readonly policy: AddressPolicy,
    private readonly resolve: Resolve = systemResolve,
  ) {}

  /** Throws POLICY_DENIED for what the URL alone shows: scheme, credentials, a localhost name, a refused literal. */
  checkUrl(url: URL): void {
    if (!schemes.has(url.protocol)) {
      throw policyDenied("scheme", `${url.protocol.replace(/:$/, "")} URLs are not fetched: only http and https`, {
        url: url.href,
      });
    }
    if (url.username !== "" || url.password !== "") {
      throw policyDenied("credentials", "URLs with credentials in them are not fetched", { url: url.origin });
    }
    this.checkHost(url.hostname, url.href);
  }

  /** The name rules, and for an address literal the address rules (nothing resolves a literal). */
  checkHost(hostname: string, url: string): void {
    const name = this.policy.checkName(hostname);
    if (!name.allowed) throw addressDenied(url, hostname, name.range);
    const bare = normalizeHostName(hostname);
    if (isIP(bare) !== 0) {
      const verdict = this.policy.checkAddress(bare);
      if (!verdict.allowed) throw addressDenied(url, hostname, verdict.range, bare);
    }
  }

  /** Every address of `hostname`, each checked; throws FETCH_FAILED dns or POLICY_DENIED address. */
  async resolveChecked(hostname: string, url: string): Promise<ResolvedAddress[]> {
    const bare = normalizeHostName(hostname);
    this.checkHost(hostname, url);
    if (isIP(bare) !== 0) return [{ address: bare, family: isIP(bare) === 6 ? 6 : 4 }];
    let answers: ResolvedAddress[];
    try {
      answers = await this.resolve(hostname);
    } catch (err) {
      throw fetchFailed("dns", url, (err as NodeJS.ErrnoException).code ?? "ENOTFOUND");
    }
    if (answers.length === 0) throw fetchFailed("dns", url, "ENODATA");
    for (const answer of answers) {
      const verdict = this.policy.checkAddress(answer.address);
      if (!verdict.allowed) throw addressDenied(url, hostname, verdict.range, answer.address);
    }
    return answers.map((a) => ({ address: normalizeHostName(a.address), family: isIP(a.address) === 6 ? 6 : 4 }));
  }

  /**
   * A `lookup` for one request to `url`: node calls it when it connects, and connects to what it
   * answers (one address, or all of them when it tries each in turn: autoSelectFamily).
   */
  lookupFor(url: string): LookupFunction {
    return (hostname: string, options: LookupOptions, callback) => {
      this.resolveChecked(hostname, url).then(
        (answers) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = wanted === 0 ? answers : answers.filter((a) => a.family === wanted);
          const first = usable[0];
          if (first === undefined) {
            callback(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: "ENOTFOUND" }), "");
          } else if (options.all) {
            callback(null, usable as LookupAddress[]);
          } else {
            callback(null, first.address, first.family);
          }
        },
        (err: NodeJS.ErrnoException) => callback(err, ""),
      );
    };
  }

  /** Checks the address a socket actually connected to (a second line behind `lookupFor`). */
  checkConnected(remoteAddress: string | undefined, hostname: string, url: string): void {
    if (remoteAddress === undefined) return;
    const verdict = this.policy.checkAddress(remoteAddress);
    if (!verdict.allowed) throw addressDenied(url, hostname, verdict.range, remoteAddress);
  }
}
