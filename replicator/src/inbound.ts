import { toValidationIssues } from "../../src/contract/errors.ts";
import { EventEnvelope, IngestResponse } from "../../src/contract/event.ts";
import { READ_KEY_PREFIX } from "../../src/contract/keys.ts";
import { SECRET_PREFIX, secretKeyBytes, signedHeaders } from "../../src/signing/standard-webhooks.ts";
import { backoffDelay, DEFAULT_BACKOFF, sleep } from "./backoff.ts";
import { fetchRelay, relayError, RelayHttpError, RelayUnreachableError, workspaceUrl } from "./relay-http.ts";

/** The origin the relay's subscribers see on changes made by a customer replica. */
export const REPLICATOR_ORIGIN = "customer-replicator";

/** Where inbound changes go: the workspace's ingest endpoint, signed with its ingress secret. */
export type InboundTarget = {
  relayUrl: string;
  workspaceId: string;
  /** A `whsec_…` ingress secret of the workspace. Keep it server-side. */
  ingressSecret: string;
  /** Attempts per mutation on network errors, 429 and 5xx (ingest is idempotent by id). Default 3. */
  attempts?: number;
  /**
   * How long, in all, a mutation may wait on the relay's own `Retry-After` (429 rate_limited,
   * 503 overloaded) before `applyExternalMutation` gives up. Those waits do not use up
   * `attempts`: the relay asked for them. Default 5 minutes.
   */
  maxThrottledWaitMs?: number;
  fetch?: typeof fetch;
};

/** A change made in the customer's database, to be made canonical through the relay. */
export type ExternalMutation = {
  eventType: string;
  payload: unknown;
  /**
   * Identifies this change across retries and restarts: it becomes the event id, so sending
   * the same change twice stores it once.
   */
  dedupeKey: string;
  entityKind: string;
  entityId: string;
  /** The customer-side operation, e.g. "users:update". */
  mutation?: string;
  actorId?: string | null;
  /** The version the change was based on, so it orders after it (see the contract's lamport rule). */
  lamport?: number;
  traceId?: string;
  schemaVersion?: number;
};

export type MutationResult = { id: string; version: number; duplicate: boolean };

export type InboundClient = { applyExternalMutation(mutation: ExternalMutation): Promise<MutationResult> };

/**
 * The inbound path of the bridge: `applyExternalMutation` signs a customer-side change with the
 * project's Standard Webhooks module and sends it to the relay's ingest, with
 * `source.origin = "customer-replicator"`, so that the relay's subscribers (the Convex
 * deployments among them) receive it like any other event.
 */
export function createInboundClient(target: InboundTarget): InboundClient {
  checkIngressSecret(target.ingressSecret);
  const doFetch = target.fetch ?? globalThis.fetch;
  const attempts = target.attempts ?? 3;
  const maxThrottledWaitMs = target.maxThrottledWaitMs ?? 5 * 60_000;
  const url = ingestUrl(target);

  const postOnce = async (body: string): Promise<MutationResult> => {
    // A fresh signature per attempt: the timestamp must stay within the relay's tolerance.
    const headers = await signedHeaders({
      id: `msg_${crypto.randomUUID()}`,
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
      secrets: [target.ingressSecret],
    });
    const res = await fetchRelay(doFetch, target.relayUrl, url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    if (!res.ok) throw await relayError(res);
    const [result] = IngestResponse.parse(await res.json()).results;
    if (!result) throw new Error("the relay answered without a result");
    return result;
  };

  return {
    async applyExternalMutation(mutation) {
      checkMutationObject(mutation);
      const body = JSON.stringify({ events: [toEnvelope(mutation)] });
      let failures = 0;
      let throttledMs = 0;
      for (;;) {
        try {
          return await postOnce(body);
        } catch (error) {
          // The relay asked us to come back later: wait as long as it said, at least.
          if (error instanceof RelayHttpError && error.throttled) {
            const waitMs = Math.max(error.retryAfterSeconds! * 1000, backoffDelay(0, DEFAULT_BACKOFF));
            if (throttledMs + waitMs > maxThrottledWaitMs) throw error;
            throttledMs += waitMs;
            await sleep(waitMs);
            continue;
          }
          // A network failure, or the relay's 408/429/5xx, may pass; its other answers will not.
          const retryable = error instanceof RelayHttpError ? !error.fatal : error instanceof RelayUnreachableError;
          if (!retryable || ++failures >= attempts) throw error;
        }
        await sleep(backoffDelay(failures - 1, DEFAULT_BACKOFF));
      }
    },
  };
}

function ingestUrl(target: InboundTarget): URL {
  try {
    return workspaceUrl(target, "/events");
  } catch {
    throw new TypeError(`relayUrl is not a URL: ${String(target.relayUrl)}`);
  }
}

/**
 * Fails early, and says what to pass, when the secret cannot be a workspace's ingress secret;
 * signing would otherwise fail deep in base64 decoding ("Invalid character"). The message
 * never contains the value passed: it may be a real secret or key.
 */
function checkIngressSecret(secret: unknown): void {
  const expected =
    `pass the workspace's ingress secret (${SECRET_PREFIX}…), which the relay returned when the ` +
    "workspace was created or its secret was rotated";
  if (typeof secret !== "string" || secret === "") throw new TypeError(`ingressSecret is missing: ${expected}`);
  if (secret.startsWith(READ_KEY_PREFIX)) {
    throw new TypeError(
      `ingressSecret is a read key (${READ_KEY_PREFIX}…), which can only read: ${expected}. ` +
        "Read keys go to runBridge as readKey.",
    );
  }
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError(`ingressSecret does not start with ${SECRET_PREFIX}: ${expected}`);
  }
  if (!hasKeyBytes(secret)) {
    throw new TypeError(`ingressSecret is not base64 after ${SECRET_PREFIX}: ${expected}, whole and unchanged`);
  }
}

function hasKeyBytes(secret: string): boolean {
  try {
    return secretKeyBytes(secret).length > 0;
  } catch {
    return false; // not base64
  }
}

function checkMutationObject(mutation: unknown): void {
  if (typeof mutation === "object" && mutation !== null && !Array.isArray(mutation)) return;
  const got = mutation === null ? "null" : Array.isArray(mutation) ? "an array" : typeof mutation;
  throw new TypeError(
    `applyExternalMutation takes one mutation object, got ${got}: pass ` +
      "{ eventType, payload, dedupeKey, entityKind, entityId } (and optionally mutation, actorId)",
  );
}

/** The contract envelope of a mutation, validated before anything is sent. */
function toEnvelope(mutation: ExternalMutation): EventEnvelope {
  const candidate = {
    id: mutation.dedupeKey,
    entityKind: mutation.entityKind,
    entityId: mutation.entityId,
    eventType: mutation.eventType,
    payload: mutation.payload,
    lamport: mutation.lamport,
    source: { origin: REPLICATOR_ORIGIN, mutation: mutation.mutation, actorId: mutation.actorId ?? null },
    emittedAt: Date.now(),
    traceId: mutation.traceId,
    schemaVersion: mutation.schemaVersion,
  };
  const parsed = EventEnvelope.safeParse(candidate);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error).map(
      (i) => `${i.path === "id" ? "dedupeKey" : i.path}: ${i.message}`,
    );
    throw new TypeError(`invalid external mutation: ${issues.join("; ")}`);
  }
  return parsed.data;
}
