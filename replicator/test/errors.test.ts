import { describe, expect, it } from "vitest";
import { memoryAdapter } from "../adapters/memory.ts";
import { runBridge } from "../src/bridge.ts";
import { createInboundClient, type ExternalMutation } from "../src/inbound.ts";
import { RelayUnreachableError } from "../src/relay-http.ts";
import type { BridgeOptions, RetryInfo, Transport } from "../src/types.ts";
import { memoryOffsetStore } from "../storage/memory.ts";
import { closedPort } from "./support/closed-port.ts";

/** Errors a new user met, each of which must say what is wrong and what to pass instead. */

const READ_KEY = "rk_acme.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
const INGRESS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** A URL on 127.0.0.1 where nothing listens. */
async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}/`;
}

const client = (ingressSecret: unknown) => () =>
  createInboundClient({ relayUrl: "https://relay.example.com", workspaceId: "acme", ingressSecret: ingressSecret as string });

describe("replicator: clear errors", () => {
  it("an ingress secret that is a read key says so, and what to pass instead, without echoing the key", () => {
    const error = (() => {
      try {
        client(READ_KEY)();
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toBe(
      "ingressSecret is a read key (rk_…), which can only read: pass the workspace's ingress secret (whsec_…), " +
        "which the relay returned when the workspace was created or its secret was rotated. " +
        "Read keys go to runBridge as readKey.",
    );
    expect(error?.message).not.toContain(READ_KEY.slice(3));
  });

  it("an ingress secret without whsec_, an empty one, or one cut short, each names whsec_", () => {
    expect(client("e2e-admin-token")).toThrow(/^ingressSecret does not start with whsec_: pass the workspace's ingress secret \(whsec_…\)/);
    expect(client("")).toThrow(/^ingressSecret is missing: pass the workspace's ingress secret \(whsec_…\)/);
    expect(client(undefined)).toThrow(/^ingressSecret is missing/);
    expect(client("whsec_")).toThrow(/^ingressSecret is not base64 after whsec_: .*, whole and unchanged$/);
    expect(client("whsec_not base64!")).toThrow(/^ingressSecret is not base64 after whsec_/);
    expect(client(INGRESS_SECRET)).not.toThrow();
  });

  it("applyExternalMutation(null) says it takes one mutation object, and which fields", async () => {
    const inbound = client(INGRESS_SECRET)();
    const fields = "{ eventType, payload, dedupeKey, entityKind, entityId } (and optionally mutation, actorId)";
    await expect(inbound.applyExternalMutation(null as unknown as ExternalMutation)).rejects.toThrow(
      `applyExternalMutation takes one mutation object, got null: pass ${fields}`,
    );
    await expect(inbound.applyExternalMutation([] as unknown as ExternalMutation)).rejects.toThrow(
      "got an array",
    );
    await expect(inbound.applyExternalMutation("x" as unknown as ExternalMutation)).rejects.toThrow("got string");
  });

  it("an unreachable relay is named, with the system error, for applyExternalMutation after its retries", async () => {
    const relayUrl = await closedPortUrl();
    let attempts = 0;
    const inbound = createInboundClient({
      relayUrl,
      workspaceId: "acme",
      ingressSecret: INGRESS_SECRET,
      attempts: 2,
      fetch: (input, init) => {
        attempts++;
        return fetch(input, init);
      },
    });
    const mutation = { eventType: "update", payload: {}, dedupeKey: "k1", entityKind: "user", entityId: "u1" };
    const error = await inbound.applyExternalMutation(mutation).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelayUnreachableError);
    expect((error as Error).message).toBe(unreachable(relayUrl));
    expect(attempts).toBe(2);
  });

  it("an unreachable relay ends a serverless runBridge with the relay named, not a bare 'fetch failed'", async () => {
    const relayUrl = await closedPortUrl();
    const exit = await bridgeTo(relayUrl, { waitFn: () => false });
    expect(exit).toMatchObject({ reason: "fatal", offset: 0 });
    expect(exit.reason === "fatal" && exit.error.message).toBe(unreachable(relayUrl));
  });

  it("a long-running runBridge keeps retrying an unreachable relay, and says why through onRetry", async () => {
    const relayUrl = await closedPortUrl();
    const { exit, retries } = await retriesOf(relayUrl, "poll", 3);
    expect(exit).toEqual({ reason: "aborted", offset: 0 });
    expect(retries.map((retry) => retry.failures)).toEqual([1, 2, 3]);
    for (const retry of retries) {
      expect(retry.error).toBeInstanceOf(RelayUnreachableError);
      expect(retry.error.message).toBe(unreachable(relayUrl));
    }
  });

  it("over the WebSocket feed, a relay that cannot be reached is named too", async () => {
    const relayUrl = await closedPortUrl();
    const { retries } = await retriesOf(relayUrl, "websocket", 1);
    expect(retries.map((retry) => retry.error.message)).toEqual([`could not open the feed at ${relayUrl}: could not connect`]);
  });
});

const unreachable = (relayUrl: string) =>
  `could not reach the relay at ${relayUrl} (ECONNREFUSED): ` +
  "check relayUrl, and that the relay is running and reachable from this machine";

/** A bridge to `relayUrl` that retries at once (1 ms backoff). */
function bridgeTo(relayUrl: string, options: Partial<BridgeOptions>) {
  return runBridge({
    relayUrl,
    workspaceId: "acme",
    readKey: READ_KEY,
    adapter: memoryAdapter(),
    offsetStore: memoryOffsetStore(),
    backoff: { initialMs: 1, maxMs: 1 },
    ...options,
  });
}

/** Runs a long-running bridge until it has reported `count` retries, then stops it. */
async function retriesOf(relayUrl: string, transport: Transport, count: number) {
  const stop = new AbortController();
  const retries: RetryInfo[] = [];
  const exit = await bridgeTo(relayUrl, {
    transport,
    signal: stop.signal,
    onRetry: (retry) => {
      if (retries.push(retry) === count) stop.abort();
    },
  });
  return { exit, retries };
}
