import type { DeadLetter, DeliveryError } from "../../src/contract/subscriber";
import type { Sql } from "../sql";

type DeadLetterRow = {
  id: string;
  subscriber_id: string;
  from_version: number;
  to_version: number;
  prev_version: number;
  attempts: number;
  last_error_json: string | null;
  created_at: number;
};

export type StoredDeadLetter = DeadLetter & { prevVersion: number };

function fromRow(row: DeadLetterRow): StoredDeadLetter {
  return {
    id: row.id,
    subscriberId: row.subscriber_id,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    prevVersion: row.prev_version,
    attempts: row.attempts,
    lastError: row.last_error_json ? (JSON.parse(row.last_error_json) as DeliveryError) : null,
    createdAt: row.created_at,
  };
}

/** Batches given up on under `onExhausted: "dead-letter"`, kept so they can be listed and redelivered. */
export class DeadLetters {
  constructor(private readonly sql: Sql) {}

  record(letter: StoredDeadLetter): void {
    this.sql`INSERT INTO dead_letters (id, subscriber_id, from_version, to_version, prev_version, attempts, last_error_json, created_at)
      VALUES (${letter.id}, ${letter.subscriberId}, ${letter.fromVersion}, ${letter.toVersion}, ${letter.prevVersion},
              ${letter.attempts}, ${letter.lastError ? JSON.stringify(letter.lastError) : null}, ${letter.createdAt})`;
  }

  get(id: string): StoredDeadLetter | undefined {
    const row = this.sql.one<DeadLetterRow>`SELECT * FROM dead_letters WHERE id = ${id}`;
    return row && fromRow(row);
  }

  /** Oldest first, the order in which they would be redelivered. */
  list(opts: { subscriberId?: string; limit: number }): StoredDeadLetter[] {
    const rows = opts.subscriberId
      ? this.sql<DeadLetterRow>`SELECT * FROM dead_letters WHERE subscriber_id = ${opts.subscriberId}
                                ORDER BY created_at, id LIMIT ${opts.limit}`
      : this.sql<DeadLetterRow>`SELECT * FROM dead_letters ORDER BY created_at, id LIMIT ${opts.limit}`;
    return rows.map(fromRow);
  }

  countFor(subscriberId: string): number {
    return this.sql.one<{ n: number }>`SELECT count(*) AS n FROM dead_letters WHERE subscriber_id = ${subscriberId}`?.n ?? 0;
  }

  updateAfterFailedRedelivery(id: string, attempts: number, lastError: DeliveryError): void {
    this.sql`UPDATE dead_letters SET attempts = ${attempts}, last_error_json = ${JSON.stringify(lastError)} WHERE id = ${id}`;
  }

  delete(id: string): void {
    this.sql`DELETE FROM dead_letters WHERE id = ${id}`;
  }
}
