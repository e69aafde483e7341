import { SecretRing } from "../secret-ring";
import type { Sql } from "../sql";

/**
 * Each subscriber's signing-secret ring, kept for the life of the Durable Object so its rows
 * are read once rather than on every delivery. One instance serves both the admin API and the
 * dispatcher, so a rotation (which resets the ring it goes through) is seen by the next
 * delivery.
 */
export class SubscriberSecrets {
  private readonly rings = new Map<string, SecretRing>();

  constructor(private readonly sql: Sql) {}

  of(subscriberId: string): SecretRing {
    let ring = this.rings.get(subscriberId);
    if (!ring) {
      ring = new SecretRing(this.sql, `subscriber:${subscriberId}`);
      this.rings.set(subscriberId, ring);
    }
    return ring;
  }

  /** Erases one subscriber's secrets. Call inside a transaction. */
  erase(subscriberId: string): void {
    this.of(subscriberId).erase();
    this.rings.delete(subscriberId);
  }

  /** Drops every cached ring (after the workspace is erased). */
  forget(): void {
    this.rings.clear();
  }
}
