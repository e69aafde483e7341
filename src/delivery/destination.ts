import type { SubscriberKind } from "../contract/subscriber";

/**
 * Subscriber URL rules (contract §4). Hostnames cannot be resolved from a Worker, so the
 * guard refuses what can be known from the URL itself: IP literals in private, loopback,
 * link-local and other non-public ranges, and `localhost`. Cloudflare's egress does not
 * reach private networks either; this guard makes the refusal explicit and early.
 */

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

function isLoopbackIpv4(octets: number[]): boolean {
  return octets[0] === 127;
}

/** `host` as the URL parser gives it: IPv6 literals keep their brackets. */
function ipv6Literal(host: string): string | undefined {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1).toLowerCase() : undefined;
}

function isNonPublicIpv6(ip: string): boolean {
  if (ip === "::" || ip === "::1") return true;
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return isNonPublicIpv4(ipv4Octets(mapped[1]!)!);
  if (ip.startsWith("::ffff:")) return true; // mapped IPv4 in hex form: refuse, it is never needed
  const first = parseInt(ip.split(":")[0] || "0", 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}

function isLoopbackHost(host: string): boolean {
  const v4 = ipv4Octets(host);
  if (v4) return isLoopbackIpv4(v4);
  if (ipv6Literal(host) === "::1") return true;
  return host === "localhost" || host.endsWith(".localhost");
}

function isForbiddenHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = ipv4Octets(host);
  if (v4) return isNonPublicIpv4(v4);
  const v6 = ipv6Literal(host);
  return v6 !== undefined && isNonPublicIpv6(v6);
}

/** Returns why `url` is refused for a subscriber of `kind`, or undefined when it is allowed. */
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
  const host = url.hostname.toLowerCase();
  const localForDevelopment = allowInsecure && isLoopbackHost(host);
  if (url.protocol !== "https:" && !(allowInsecure && url.protocol === "http:")) {
    return allowInsecure ? "must use https or http" : "must use https";
  }
  if (!localForDevelopment && isForbiddenHost(host)) {
    return "must not point at localhost or a private, loopback or link-local address";
  }
  if (kind === "convex" && !localForDevelopment && !host.endsWith(".convex.site")) {
    return "a convex subscriber's host must end in .convex.site";
  }
  return undefined;
}
