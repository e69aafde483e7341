/**
 * Proof that src/signing/standard-webhooks.ts speaks Standard Webhooks: the contract's
 * known-answer vectors, and agreement both ways with two independent implementations
 * (the `standardwebhooks` reference package and svix), on fixed and on generated inputs.
 */
import fc from "fast-check";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_TOLERANCE_SECONDS,
  generateSecret,
  isValidSecret,
  readWebhookHeaders,
  secretKeyBytes,
  sign,
  signedHeaders,
  verify,
  type WebhookHeaders,
} from "../../src/signing/standard-webhooks";

/** The known-answer vectors of CONTRACT.md §0. */
const VECTORS = [
  {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  },
  {
    secret: "whsec_plJ3nmyCDGBKInavdOK15jsl",
    id: "msg_loFOjxBNrRLzqYUf",
    timestamp: 1731705121,
    body: '{"event_type":"ping","data":{"success":true}}',
    signature: "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=",
  },
] as const;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function headersOf(v: { id: string; timestamp: number; signature: string }): WebhookHeaders {
  return { "webhook-id": v.id, "webhook-timestamp": String(v.timestamp), "webhook-signature": v.signature };
}

/** Runs `fn` with the wall clock set to `seconds`, for libraries that read Date.now(). */
function atTime<T>(seconds: number, fn: () => T): T {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(seconds * 1000);
  try {
    return fn();
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("known-answer vectors (CONTRACT.md §0)", () => {
  it.each(VECTORS)("sign() reproduces $signature", async (v) => {
    expect(await sign({ id: v.id, timestampSeconds: v.timestamp, body: v.body, secrets: [v.secret] })).toBe(v.signature);
  });

  it.each(VECTORS)("verify() accepts $id at its timestamp", async (v) => {
    expect(await verify({ headers: headersOf(v), body: v.body, secrets: [v.secret], nowSeconds: v.timestamp })).toEqual({
      ok: true,
    });
  });

  it.each(VECTORS)("the reference packages agree on $id", (v) => {
    expect(new StandardWebhook(v.secret).sign(v.id, new Date(v.timestamp * 1000), v.body)).toBe(v.signature);
    atTime(v.timestamp, () => {
      expect(() => new StandardWebhook(v.secret).verify(v.body, headersOf(v))).not.toThrow();
      expect(() => new SvixWebhook(v.secret).verify(v.body, headersOf(v))).not.toThrow();
    });
  });

  it.each(VECTORS)("a tampered body of $id fails everywhere", async (v) => {
    const tampered = v.body.replace("}", " }");
    expect(await verify({ headers: headersOf(v), body: tampered, secrets: [v.secret], nowSeconds: v.timestamp })).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
    atTime(v.timestamp, () => {
      expect(() => new StandardWebhook(v.secret).verify(tampered, headersOf(v))).toThrow();
      expect(() => new SvixWebhook(v.secret).verify(tampered, headersOf(v))).toThrow();
    });
  });
});

describe("interop with standardwebhooks and svix", () => {
  const body = JSON.stringify({ events: [{ id: "evt_1", payload: { text: "héllo ✓ 🚀" } }] });

  it("both packages verify what we sign", async () => {
    const secret = generateSecret();
    const headers = await signedHeaders({ id: "msg_ours", timestampSeconds: nowSeconds(), body, secrets: [secret] });
    expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
  });

  it("we verify what both packages sign", async () => {
    const secret = generateSecret();
    const now = new Date();
    for (const theirs of [new StandardWebhook(secret), new SvixWebhook(secret)]) {
      const headers: WebhookHeaders = {
        "webhook-id": "msg_theirs",
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": theirs.sign("msg_theirs", now, body),
      };
      expect(await verify({ headers, body, secrets: [secret] })).toEqual({ ok: true });
      expect(await verify({ headers, body: `${body} `, secrets: [secret] })).toEqual({
        ok: false,
        reason: "no_matching_signature",
      });
    }
  });

  it("agree both ways on generated ids, bodies and secrets", async () => {
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const keyArb = fc.uint8Array({ minLength: 24, maxLength: 64 });
    // JSON bodies, as the packages parse what they verify; unicode text exercises UTF-8.
    const bodyArb = fc.oneof(
      fc.json(),
      fc.record({ text: fc.string({ unit: "grapheme", maxLength: 300 }), n: fc.integer() }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(idArb, bodyArb, keyArb, async (id, text, key) => {
        const secret = `whsec_${Buffer.from(key).toString("base64")}`;
        const timestampSeconds = nowSeconds();
        const headers = await signedHeaders({ id, timestampSeconds, body: text, secrets: [secret] });
        new StandardWebhook(secret).verify(text, headers);
        new SvixWebhook(secret).verify(text, headers);

        const theirs = new StandardWebhook(secret).sign(id, new Date(timestampSeconds * 1000), text);
        expect(theirs).toBe(headers["webhook-signature"]);
        const verified = await verify({ headers: { ...headers, "webhook-signature": theirs }, body: text, secrets: [secret] });
        expect(verified).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it("accepts a secret given without the whsec_ prefix, as the spec allows", async () => {
    const secret = generateSecret();
    const bare = secret.slice("whsec_".length);
    const headers = await signedHeaders({ id: "msg_bare", timestampSeconds: nowSeconds(), body, secrets: [bare] });
    expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
    expect(await verify({ headers, body, secrets: [secret] })).toEqual({ ok: true });
  });
});

describe("several signatures and several secrets", () => {
  const body = '{"events":[]}';

  it("signs with every secret, space-separated, and each receiver finds its own", async () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const headers = await signedHeaders({ id: "msg_multi", timestampSeconds: nowSeconds(), body, secrets: [a, b] });
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    expect(parts.every((part) => part.startsWith("v1,"))).toBe(true);

    for (const secret of [a, b]) {
      expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
      expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
      expect(await verify({ headers, body, secrets: [secret] })).toEqual({ ok: true });
    }
    expect(await verify({ headers, body, secrets: [generateSecret()] })).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
  });

  it("accepts when any of several secrets matches any of several signatures", async () => {
    const [a, b, c] = [generateSecret(), generateSecret(), generateSecret()];
    const signature = await sign({ id: "msg_any", timestampSeconds: nowSeconds(), body, secrets: [b] });
    const headers: WebhookHeaders = {
      "webhook-id": "msg_any",
      "webhook-timestamp": String(nowSeconds()),
      // Unknown schemes, garbage and a signature by a stranger come first.
      "webhook-signature": `v2,abc v1,not-base64!! v1,${"A".repeat(43)}= ${signature} v1a,xyz`,
    };
    expect(await verify({ headers, body, secrets: [a, c, b] })).toEqual({ ok: true });
    expect(await verify({ headers, body, secrets: [a, c] })).toEqual({ ok: false, reason: "no_matching_signature" });
    expect(() => new StandardWebhook(b).verify(body, headers)).not.toThrow();
  });

  it("refuses an empty secret list", async () => {
    const secret = generateSecret();
    const headers = await signedHeaders({ id: "msg_none", timestampSeconds: nowSeconds(), body, secrets: [secret] });
    expect(await verify({ headers, body, secrets: [] })).toEqual({ ok: false, reason: "no_matching_signature" });
  });
});

describe("timestamp tolerance (±300 s)", () => {
  const body = '{"events":[]}';
  const secret = generateSecret();
  const now = 1_763_769_600;

  it.each([
    [-DEFAULT_TOLERANCE_SECONDS, { ok: true }],
    [DEFAULT_TOLERANCE_SECONDS, { ok: true }],
    [-DEFAULT_TOLERANCE_SECONDS - 1, { ok: false, reason: "timestamp_too_old" }],
    [DEFAULT_TOLERANCE_SECONDS + 1, { ok: false, reason: "timestamp_too_new" }],
  ])("a signature %i s from now: %o", async (offset, expected) => {
    const headers = await signedHeaders({ id: "msg_t", timestampSeconds: now + offset, body, secrets: [secret] });
    expect(await verify({ headers, body, secrets: [secret], nowSeconds: now })).toEqual(expected);
    // The reference package draws the same line.
    atTime(now, () => {
      const check = () => new StandardWebhook(secret).verify(body, headers);
      if (expected.ok) expect(check).not.toThrow();
      else expect(check).toThrow(/timestamp/i);
    });
  });

  it("uses the real clock by default", async () => {
    const headers = await signedHeaders({ id: "msg_clock", timestampSeconds: nowSeconds() - 301, body, secrets: [secret] });
    expect(await verify({ headers, body, secrets: [secret] })).toEqual({ ok: false, reason: "timestamp_too_old" });
  });

  it.each(["", "soon", "1.5", "-5", "1763769600000", " 1763769600"])("refuses the timestamp %j", async (timestamp) => {
    const headers = await signedHeaders({ id: "msg_ts", timestampSeconds: now, body, secrets: [secret] });
    const result = await verify({
      headers: { ...headers, "webhook-timestamp": timestamp },
      body,
      secrets: [secret],
      nowSeconds: now,
    });
    expect(result.ok).toBe(false);
  });
});

describe("tampering", () => {
  const secret = generateSecret();
  const now = 1_763_769_600;
  const body = '{"events":[{"id":"evt_1","payload":{"amount":100}}]}';

  it.each<[string, (h: WebhookHeaders) => WebhookHeaders, string]>([
    ["the body", (h) => h, body.replace("100", "900")],
    ["the id", (h) => ({ ...h, "webhook-id": "msg_other" }), body],
    ["the timestamp", (h) => ({ ...h, "webhook-timestamp": String(now + 1) }), body],
    // The last character before the padding carries 4 bits of the MAC, so it is "A" one time in
    // 16: replacing it with "A" would then change nothing. Always change it.
    ["the signature", (h) => ({ ...h, "webhook-signature": h["webhook-signature"].replace(/.(?==$)/, (c) => (c === "A" ? "E" : "A")) }), body],
  ])("a change to %s fails", async (_what, change, sentBody) => {
    const headers = change(await signedHeaders({ id: "msg_1", timestampSeconds: now, body, secrets: [secret] }));
    expect(await verify({ headers, body: sentBody, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"] as const)("a missing %s fails", async (name) => {
    const headers: Partial<WebhookHeaders> = await signedHeaders({ id: "msg_1", timestampSeconds: now, body, secrets: [secret] });
    delete headers[name];
    expect(await verify({ headers, body, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: "missing_headers",
    });
  });
});

describe("secrets and headers", () => {
  it("generates distinct whsec_ secrets of 32 random bytes that the reference package accepts", () => {
    const secrets = Array.from({ length: 50 }, generateSecret);
    expect(new Set(secrets).size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(secretKeyBytes(secret)).toHaveLength(32);
      expect(isValidSecret(secret)).toBe(true);
      expect(() => new StandardWebhook(secret)).not.toThrow();
    }
  });

  it.each(["", "whsec_", "whsec_c2hvcnQ=", "sk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!"])(
    "isValidSecret refuses %j",
    (secret) => {
      expect(isValidSecret(secret)).toBe(false);
    },
  );

  it("reads the three headers from Headers or a plain record", () => {
    const record = { "webhook-id": "a", "webhook-timestamp": "1", "webhook-signature": "v1,x", other: "y" };
    const expected = { "webhook-id": "a", "webhook-timestamp": "1", "webhook-signature": "v1,x" };
    expect(readWebhookHeaders(new Headers(record))).toEqual(expected);
    expect(readWebhookHeaders(new Headers({ "Webhook-Id": "a", "WEBHOOK-TIMESTAMP": "1", "webhook-signature": "v1,x" }))).toEqual(
      expected,
    );
    expect(readWebhookHeaders(record)).toEqual(expected);
  });
});
