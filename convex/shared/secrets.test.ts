import { Webhook } from "standardwebhooks";
import { describe, expect, test } from "vitest";
import { sign } from "../../src/signing/standard-webhooks";
import { isUsableSecret, parseSecretList, toWebhookSecret } from "./secrets";

describe("secrets", () => {
  test("whsec_ secrets are used as they are", () => {
    expect(toWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  });

  test("a seed passphrase becomes a key that an independent verifier accepts with the same passphrase", async () => {
    const passphrase = "your-shared-secret-key-min-32-chars";
    const secret = toWebhookSecret(passphrase);
    const body = '{"events":[]}';
    // One timestamp for both, or a second boundary between them breaks the signature.
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const signature = await sign({ id: "msg_1", timestampSeconds, body, secrets: [secret] });
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(timestampSeconds), "webhook-signature": signature };
    expect(() => new Webhook(new TextEncoder().encode(passphrase), { format: "raw" }).verify(body, headers)).not.toThrow();
  });

  test("usable: whsec_ with at least 16 key bytes, or a passphrase of at least 32 characters", () => {
    expect(isUsableSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(true);
    expect(isUsableSecret("whsec_c2hvcnQ=")).toBe(false);
    expect(isUsableSecret("x".repeat(32))).toBe(true);
    expect(isUsableSecret("x".repeat(31))).toBe(false);
  });

  test("an env var may list several secrets (a rotation); unusable entries are left out", () => {
    const value = " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_plJ3nmyCDGBKInavdOK15jsl  short ";
    expect(parseSecretList(value)).toEqual(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_plJ3nmyCDGBKInavdOK15jsl"]);
    expect(parseSecretList(undefined)).toEqual([]);
  });

  test("a passphrase may contain spaces, as the seed's could; passphrases are listed with commas", () => {
    const passphrase = "our team's shared federation secret, v2".replace(",", "");
    expect(parseSecretList(` ${passphrase} `)).toEqual([toWebhookSecret(passphrase)]);
    const older = "the previous shared federation passphrase";
    expect(parseSecretList(`${passphrase},${older}`)).toEqual([toWebhookSecret(passphrase), toWebhookSecret(older)]);
    // Pieces too short to use are still left out.
    expect(parseSecretList(`${passphrase}, short`)).toEqual([toWebhookSecret(passphrase)]);
  });
});
