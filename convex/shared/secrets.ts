import { SECRET_PREFIX, isValidSecret } from "../../src/signing/standard-webhooks";

/**
 * Secrets come in two forms: the relay's `whsec_…` secrets, used as they are, and the seed's
 * shared passphrases (`FEDERATION_SECRET=your-shared-secret-key-min-32-chars`), whose UTF-8
 * bytes become the HMAC key. Both sides of a direct connection normalise the same way, so a
 * passphrase deployment keeps working after switching to this package.
 */
export const MIN_PASSPHRASE_LENGTH = 32;

function utf8ToBase64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** True when `secret` is a usable `whsec_` secret or a passphrase of at least 32 characters. */
export function isUsableSecret(secret: string): boolean {
  return secret.startsWith(SECRET_PREFIX) ? isValidSecret(secret) : secret.length >= MIN_PASSPHRASE_LENGTH;
}

/** The `whsec_` form of a secret, for `src/signing/standard-webhooks.ts`. */
export function toWebhookSecret(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) ? secret : SECRET_PREFIX + utf8ToBase64(secret);
}

/**
 * The secrets held in one env var. Several may be listed, so that a rotation can keep the old
 * secret valid next to the new one: `whsec_` secrets separated by spaces or commas, passphrases
 * by commas. A passphrase may contain spaces, as the seed's could ("check whitespace"): split
 * on them, it would fall into pieces too short to use, and the sender and the receiver would
 * disagree about a secret that works whole everywhere else.
 */
export function parseSecretList(value: string | undefined): string[] {
  if (!value) return [];
  const separator = value.includes(SECRET_PREFIX) ? /[\s,]+/ : /,/;
  return value
    .split(separator)
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "" && isUsableSecret(secret))
    .map(toWebhookSecret);
}

/** Env var names as Convex accepts them. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
