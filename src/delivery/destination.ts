import type { SubscriberKind } from "../contract/subscriber";

/**
 * Destination URL rules (contract §4), shared by every route that takes a URL the relay will
 * later POST to (subscribers, and alert destinations as plain webhooks). Hostnames cannot be
 * resolved from a Worker, so the guard refuses what can be known from the URL itself: IP
 * literals in private, loopback, link-local and other non-public ranges, and `localhost`.
 * Cloudflare's egress does not reach private networks either; this guard makes the refusal
 * explicit and early.
 *
 * Every rule reads one normalised host (see `normalisedHost`): the WHATWG URL parser already
 * lower-cases names, decodes percent-escapes and IDNA, and canonicalises IPv4 spellings
 * (`0x7f.1`, `2130706433`, `127.0.0.1.`) and IPv6 ones; what it keeps is the trailing dot of
 * a fully qualified name, so `localhost.` would otherwise slip past a rule for `localhost`.
 */

/** The host as every rule sees it, or undefined for a name no resolver would accept. */
function normalisedHost(url: URL): string | undefined {
  const lowered = url.hostname.toLowerCase();
  // A fully qualified name ends in one dot and is the same host without it.
  const host = lowered.endsWith(".") ? lowered.slice(0, -1) : lowered;
  // An empty label ("a..b", "localhost..") is not a DNS name; refusing it is simpler than
  // guessing how a resolver would read it.
  if (host === "" || (!host.startsWith("[") && host.split(".").some((label) => label === ""))) return undefined;
  return host;
}

function ipv4Octets(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function isNonPublicIpv4([a, b]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 || // loopback
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    a! >= 224 // multicast and reserved
  );
}

/** `host` as the URL parser gives it: IPv6 literals keep their brackets. */
function ipv6Literal(host: string): string | undefined {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : undefined;
}

/** The eight 16-bit groups of a canonical (URL-serialised) IPv6 address. */
function ipv6Groups(ip: string): number[] {
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

function embeddedIpv4(high: number, low: number): number[] {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

function isNonPublicIpv6(ip: string): boolean {
  const g = ipv6Groups(ip);
  // ::/80 holds ::, ::1, IPv4-compatible ::a.b.c.d and IPv4-mapped ::ffff:a.b.c.d: none is
  // ever needed to reach a public receiver, and each can lead back to IPv4 loopback.
  if (g.slice(0, 5).every((x) => x === 0)) return true;
  // 6to4 (2002::/16) and NAT64 (64:ff9b::/96) carry an IPv4 address: judge that address.
  if (g[0] === 0x2002) return isNonPublicIpv4(embeddedIpv4(g[1]!, g[2]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return isNonPublicIpv4(embeddedIpv4(g[6]!, g[7]!));
  }
  const first = g[0]!;
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}

function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

function isLoopbackHost(host: string): boolean {
  const v4 = ipv4Octets(host);
  if (v4) return v4[0] === 127;
  return ipv6Literal(host) === "::1" || isLocalhostName(host);
}

function isForbiddenHost(host: string): boolean {
  if (isLocalhostName(host)) return true;
  const v4 = ipv4Octets(host);
  if (v4) return isNonPublicIpv4(v4);
  const v6 = ipv6Literal(host);
  return v6 !== undefined && isNonPublicIpv6(v6);
}

/**
 * Returns why `rawUrl` is refused as a destination, or undefined when it is allowed. `kind`
 * "convex" adds the `.convex.site` rule; alert destinations are checked as "webhook".
 */
export function destinationProblem(
  kind: SubscriberKind,
  rawUrl: string,
  allowInsecure: boolean,
): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not carry credentials";
  if (url.protocol !== "https:" && !(allowInsecure && url.protocol === "http:")) {
    return allowInsecure ? "must use https or http" : "must use https";
  }
  const host = normalisedHost(url);
  if (host === undefined) return "must have a valid host name";
  const localForDevelopment = allowInsecure && isLoopbackHost(host);
  if (!localForDevelopment && isForbiddenHost(host)) {
    return "must not point at localhost or a private, loopback or link-local address";
  }
  if (kind === "convex" && !localForDevelopment && !host.endsWith(".convex.site")) {
    return "a convex subscriber's host must end in .convex.site";
  }
  return undefined;
}
