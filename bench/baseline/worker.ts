/**
 * The ingest benchmark's baseline: a Worker that appends an ingest body's events to a SQLite
 * Durable Object and does nothing else: no signature check, no schema validation, no dedupe,
 * no lamport rule, no persisted counters. It answers the relay's ingest path and takes the
 * same bytes, and it calls its Durable Object by RPC like the relay does, so the benchmark
 * can send identical requests to both and attribute the difference to the relay's own work.
 *
 * It writes a whole batch in one INSERT over a JSON array, the fastest way to append to
 * Durable Object SQLite (each statement has a fixed cost that dwarfs the per-row work), so
 * the comparison is against the strongest minimal append, not a naive one.
 *
 * `IndexedBaselineLog`, under `/indexed/…`, is the same append into a log that also has the
 * relay's event-search indexes (contract §8 asks that a filtered page cost time in proportion
 * to the page, so every log of the relay's design carries them). It measures what the indexes
 * cost an append apart from the relay's own work.
 */
import { DurableObject } from "cloudflare:workers";
import type { EventEnvelope } from "../../src/contract/event";
import { INDEXED_PREFIX } from "./paths";

type Env = { LOG: DurableObjectNamespace<BaselineLog>; INDEXED_LOG: DurableObjectNamespace<IndexedBaselineLog> };

export class BaselineLog extends DurableObject<Env> {
  private head: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The relay's log table, column for column. Spelled out rather than taken from the
    // relay's migrations, so the baseline stays the same while the relay's schema evolves.
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS events (
      version INTEGER PRIMARY KEY,
      id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      entity_kind TEXT NOT NULL,
      event_type TEXT NOT NULL,
      origin TEXT NOT NULL,
      body TEXT NOT NULL,
      entity_id TEXT
    )`);
    for (const column of this.indexedColumns()) {
      ctx.storage.sql.exec(`CREATE INDEX IF NOT EXISTS events_by_${column} ON events (${column})`);
    }
    const row = ctx.storage.sql.exec<{ head: number | null }>("SELECT max(version) AS head FROM events").one();
    this.head = row.head ?? 0;
  }

  /** Appends every event of the body in one statement, trusting it blindly. */
  async append(rawBody: string): Promise<{ head: number; appended: number }> {
    const { events } = JSON.parse(rawBody) as { events: EventEnvelope[] };
    const receivedAt = Date.now();
    const rows = events.map((event) => [
      ++this.head,
      event.id,
      event.entityKind,
      event.eventType,
      event.source.origin,
      JSON.stringify(event),
      event.entityId,
    ]);
    this.ctx.storage.sql.exec(
      `INSERT INTO events (version, id, received_at, entity_kind, event_type, origin, body, entity_id)
       SELECT value->>0, value->>1, ?, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(?)`,
      receivedAt,
      JSON.stringify(rows),
    );
    return { head: this.head, appended: events.length };
  }

  /** The columns with an index of their own: none in the minimal log. */
  protected indexedColumns(): readonly string[] {
    return [];
  }

  async eventCount(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
  }
}

/** The log with the relay's search indexes: one per filter column, as `log/0003-search-indexes`. */
export class IndexedBaselineLog extends BaselineLog {
  protected override indexedColumns(): readonly string[] {
    return ["entity_id", "entity_kind", "event_type", "origin"];
  }
}

const WORKSPACE_PATH = new RegExp(`^(${INDEXED_PREFIX})?/v1/workspaces/([A-Za-z0-9_-]{1,64})(/events)?$`);

export default {
  async fetch(request, env) {
    const match = WORKSPACE_PATH.exec(new URL(request.url).pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, indexed, logId, events] = match;
    const namespace = indexed ? env.INDEXED_LOG : env.LOG;
    const log = namespace.get(namespace.idFromName(logId!));
    if (events && request.method === "POST") return Response.json(await log.append(await request.text()));
    // Reading the count also creates the object and its table, so a benchmark can warm it up.
    if (!events && request.method === "GET") return Response.json({ eventCount: await log.eventCount() });
    return new Response("method not allowed", { status: 405 });
  },
} satisfies ExportedHandler<Env>;
