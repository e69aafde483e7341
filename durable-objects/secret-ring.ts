import { generateSecret } from "../src/signing/standard-webhooks";
import type { Sql } from "./sql";

/**
 * The signing secrets of one owner (the workspace's ingress, or one subscriber). The current
 * secret has no expiry; a rotation gives every still-valid secret an expiry at the end of the
 * grace period and adds a new current one, so both work during the grace.
 */
export class SecretRing {
  /** Newest first, so the common case (the current secret) matches on the first try. */
  private cached: { secret: string; expiresAt: number | null }[] | undefined;

  constructor(
    private readonly sql: Sql,
    readonly owner: string,
  ) {}

  /** Secrets valid at `now`, newest first. */
  valid(now: number): string[] {
    this.cached ??= this.sql<{ secret: string; expires_at: number | null }>`
      SELECT secret, expires_at FROM secrets WHERE owner = ${this.owner} ORDER BY created_at DESC`.map((row) => ({
      secret: row.secret,
      expiresAt: row.expires_at,
    }));
    return this.cached.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
  }

  /** Adds the first secret. Call inside a transaction. */
  create(now: number): string {
    const secret = generateSecret();
    this.sql`INSERT INTO secrets (owner, secret, created_at, expires_at) VALUES (${this.owner}, ${secret}, ${now}, NULL)`;
    this.cached = undefined;
    return secret;
  }

  /** Call inside a transaction. Returns the new secret and when the previous ones stop working. */
  rotate(now: number, graceSeconds: number): { secret: string; previousValidUntil: number } {
    const previousValidUntil = now + graceSeconds * 1000;
    this.sql`DELETE FROM secrets WHERE owner = ${this.owner} AND expires_at IS NOT NULL AND expires_at <= ${now}`;
    this.sql`UPDATE secrets SET expires_at = ${previousValidUntil}
             WHERE owner = ${this.owner} AND (expires_at IS NULL OR expires_at > ${previousValidUntil})`;
    // created_at must order the new secret first even within one millisecond of the last.
    const newest = this.sql.one<{ at: number | null }>`
      SELECT max(created_at) AS at FROM secrets WHERE owner = ${this.owner}`;
    const createdAt = Math.max(now, (newest?.at ?? 0) + 1);
    const secret = generateSecret();
    this.sql`INSERT INTO secrets (owner, secret, created_at, expires_at) VALUES (${this.owner}, ${secret}, ${createdAt}, NULL)`;
    this.cached = undefined;
    return { secret, previousValidUntil };
  }

  /** Deletes every secret of this owner. Call inside a transaction. */
  erase(): void {
    this.sql`DELETE FROM secrets WHERE owner = ${this.owner}`;
    this.cached = undefined;
  }

  forget(): void {
    this.cached = undefined;
  }
}
