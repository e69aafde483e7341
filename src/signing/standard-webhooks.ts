/**
 * Standard Webhooks (v1 symmetric) signing and verification on Web Crypto, so that the same
 * module runs in workerd, in Convex's runtime and in Node >= 22. Used for ingest (verify),
 * deliveries (sign), the Convex component and the replicator.
 */

export const SECRET_PREFIX = "whsec_";
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** More signatures than this in one header is abuse, not rotation. */
const MAX_SIGNATURES = 16;
const SECRET_BYTES = 32;

export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

export type VerifyFailure =
  | "missing_headers"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

const encoder = new TextEncoder();

/**
 * Byte arrays here are `Uint8Array<ArrayBuffer>`, never the wider `ArrayBufferLike` default, so
 * that Web Crypto accepts them under the DOM lib (Node, Convex, bench) as well as workers-types.
 */
type Bytes = Uint8Array<ArrayBuffer>;

function base64ToBytes(base64: string): Bytes {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** A new `whsec_…` secret carrying 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The key bytes of a secret: the base64 after `whsec_` (the prefix is optional, as in the spec). */
export function secretKeyBytes(secret: string): Bytes {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return base64ToBytes(encoded);
}

// Importing a key costs more than the HMAC itself on small bodies; secrets are few and
// long-lived, so keep the imported keys. Bounded so a stream of rotations cannot grow it.
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 256;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      secretKeyBytes(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(secret, key);
  }
  return key;
}

/**
 * `${id}.${timestamp}.${body}` as bytes. A body that is not valid UTF-8 text arrives as its raw
 * bytes: the signature covers the bytes sent, and decoding them first could change them.
 */
function signedContent(id: string, timestamp: number | string, body: string | Uint8Array): Bytes {
  // TextEncoder always returns a fresh, unshared buffer; workers-types just types it wider.
  if (typeof body === "string") return encoder.encode(`${id}.${timestamp}.${body}`) as Bytes;
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix);
  content.set(body, prefix.length);
  return content as Bytes;
}

/**
 * Signs `body` with every secret given, as the space-separated `webhook-signature` value.
 * Several secrets are how a rotation's grace period is carried to receivers.
 */
export async function sign(input: {
  id: string;
  timestampSeconds: number;
  body: string | Uint8Array;
  secrets: readonly string[];
}): Promise<string> {
  const content = signedContent(input.id, input.timestampSeconds, input.body);
  const signatures = await Promise.all(
    input.secrets.map(async (secret) => {
      const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), content);
      return `v1,${bytesToBase64(new Uint8Array(mac))}`;
    }),
  );
  return signatures.join(" ");
}

/** The three headers of a signed request. */
export async function signedHeaders(input: {
  id: string;
  timestampSeconds: number;
  body: string | Uint8Array;
  secrets: readonly string[];
}): Promise<WebhookHeaders> {
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(input.timestampSeconds),
    "webhook-signature": await sign(input),
  };
}

/** Reads the three headers from anything with a `get` (Headers) or a plain record. */
export function readWebhookHeaders(
  headers: Headers | Record<string, string | undefined>,
): Partial<WebhookHeaders> {
  const get = (name: keyof WebhookHeaders) =>
    headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name];
  return {
    "webhook-id": get("webhook-id"),
    "webhook-timestamp": get("webhook-timestamp"),
    "webhook-signature": get("webhook-signature"),
  };
}

function parseSignatures(header: string): Bytes[] {
  const signatures: Bytes[] = [];
  for (const part of header.split(" ").slice(0, MAX_SIGNATURES)) {
    const comma = part.indexOf(",");
    if (comma < 0 || part.slice(0, comma) !== "v1") continue;
    try {
      const bytes = base64ToBytes(part.slice(comma + 1));
      if (bytes.length === 32) signatures.push(bytes);
    } catch {
      // Not base64: it cannot match, and other signatures in the header still may.
    }
  }
  return signatures;
}

/**
 * Verifies a Standard Webhooks request: the timestamp within ±tolerance of now, and any one
 * `v1` signature made by any one of `secrets`. Comparison goes through
 * `crypto.subtle.verify`, which compares MACs in constant time.
 */
export async function verify(input: {
  headers: Partial<WebhookHeaders>;
  /** The body exactly as received: text, or raw bytes when they are not valid UTF-8. */
  body: string | Uint8Array;
  secrets: readonly string[];
  nowSeconds?: number;
  toleranceSeconds?: number;
}): Promise<VerifyResult> {
  const id = input.headers["webhook-id"];
  const timestamp = input.headers["webhook-timestamp"];
  const signatureHeader = input.headers["webhook-signature"];
  if (!id || !timestamp || !signatureHeader) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "invalid_timestamp" };

  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const sentAt = Number(timestamp);
  if (sentAt < now - tolerance) return { ok: false, reason: "timestamp_too_old" };
  if (sentAt > now + tolerance) return { ok: false, reason: "timestamp_too_new" };

  const signatures = parseSignatures(signatureHeader);
  if (signatures.length === 0) return { ok: false, reason: "no_matching_signature" };
  const content = signedContent(id, timestamp, input.body);
  for (const secret of input.secrets) {
    const key = await hmacKey(secret);
    for (const signature of signatures) {
      if (await crypto.subtle.verify("HMAC", key, signature, content)) return { ok: true };
    }
  }
  return { ok: false, reason: "no_matching_signature" };
}

/** True when `secret` is a well-formed `whsec_` secret with a key of at least 16 bytes. */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  try {
    return secretKeyBytes(secret).length >= 16;
  } catch {
    return false;
  }
}
