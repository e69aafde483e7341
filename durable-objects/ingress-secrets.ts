import { generateSecret } from "../src/signing/standard-webhooks";
import type { Sql } from "./sql";

/**
 * The workspace's ingress secrets. The current one has no expiry; a rotation gives every
 * still-valid secret an expiry at the end of the grace period and adds a new current one.
 */
export class IngressSecrets {
  /** Newest first, so the common case (the current secret) matches on the first try. */
  private cached: { secret: string; expiresAt: number | null }[] | undefined;

  constructor(private readonly sql: Sql) {}

  /** Secrets that verify ingest at `now`. */
  valid(now: number): string[] {
    this.cached ??= this.sql<{ secret: string; expires_at: number | null }>`
      SELECT secret, expires_at FROM ingress_secrets ORDER BY created_at DESC`.map((row) => ({
      secret: row.secret,
      expiresAt: row.expires_at,
    }));
    return this.cached.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
  }

  /** Adds the first secret of a new workspace. */
  create(now: number): string {
    const secret = generateSecret();
    this.sql`INSERT INTO ingress_secrets (secret, created_at, expires_at) VALUES (${secret}, ${now}, NULL)`;
    this.cached = undefined;
    return secret;
  }

  /** Call inside a transaction. Returns the new secret and when the previous ones stop working. */
  rotate(now: number, graceSeconds: number): { secret: string; previousValidUntil: number } {
    const previousValidUntil = now + graceSeconds * 1000;
    this.sql`DELETE FROM ingress_secrets WHERE expires_at IS NOT NULL AND expires_at <= ${now}`;
    this.sql`UPDATE ingress_secrets SET expires_at = ${previousValidUntil}
             WHERE expires_at IS NULL OR expires_at > ${previousValidUntil}`;
    // created_at must order the new secret first even within one millisecond of the last.
    const newest = this.sql.one<{ at: number | null }>`SELECT max(created_at) AS at FROM ingress_secrets`;
    const createdAt = Math.max(now, (newest?.at ?? 0) + 1);
    const secret = generateSecret();
    this.sql`INSERT INTO ingress_secrets (secret, created_at, expires_at) VALUES (${secret}, ${createdAt}, NULL)`;
    this.cached = undefined;
    return { secret, previousValidUntil };
  }

  forget(): void {
    this.cached = undefined;
  }
}
