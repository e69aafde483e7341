/**
 * Ingest cost breakdown (`npm run bench -- ingest-profile`). One SQLite Durable Object on the
 * relay's own schema whose ingest does the relay's work in cumulative steps, each using the
 * relay's own code:
 *
 *   append    parse, serialize each event, one INSERT per event into the relay's schema
 *             (whose trigger also fills the dedupe index)
 *   verify    + Standard Webhooks signature check
 *   validate  + validation of the body as the relay does it (`validateIngestBody`)
 *   dedupe    + the relay's `appendEvents`: id lookup, lamport rule, one set-based INSERT
 *   counters  + the relay's `writeLogCounters` (the `workspace` row update)
 *
 * The step is the first path segment: `POST /{step}/v1/workspaces/{id}/events`. The
 * difference between two neighbouring steps is the cost of the step's addition; the
 * difference between `counters` and the relay is the relay's routing, response and hooks.
 */
import { DurableObject } from "cloudflare:workers";
import type { EventEnvelope } from "../../../src/contract/event";
import { readWebhookHeaders, verify, type WebhookHeaders } from "../../../src/signing/standard-webhooks";
import { appendEvents, type AppendResult } from "../../../durable-objects/event-log";
import { toPreparedBatch, validateIngestBody } from "../../../src/ingest/prepare";
import { logMigrations } from "../../../durable-objects/log-schema";
import { migrate } from "../../../durable-objects/schema";
import { createSql, type Sql } from "../../../durable-objects/sql";
import { insertMeta, readMeta, writeLogCounters, type WorkspaceMeta } from "../../../durable-objects/workspace-meta";
import { INGEST_STEPS as STEPS, type IngestStep as Step } from "./steps";

type Env = {
  STEPS_LOG: DurableObjectNamespace<StepsLog>;
  /** The ingress secret every step ≥ `verify` checks signatures against. */
  BENCH_INGRESS_SECRET: string;
};

export class StepsLog extends DurableObject<Env> {
  private readonly sql: Sql;
  private meta: WorkspaceMeta;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = createSql(ctx.storage.sql);
    this.meta = ctx.storage.transactionSync(() => {
      migrate(this.sql, logMigrations);
      if (!readMeta(this.sql)) insertMeta(this.sql, { workspaceId: "steps", createdAt: Date.now(), retentionDays: 7 });
      return readMeta(this.sql)!;
    });
  }

  /** From `dedupe` on, answers like the relay: each event's version, and whether it was a duplicate. */
  async ingest(step: Step, rawBody: string, headers: Partial<WebhookHeaders>): Promise<{ head: number; results?: AppendResult["results"] }> {
    const reached = (s: Step) => STEPS.indexOf(step) >= STEPS.indexOf(s);
    if (reached("verify")) {
      const verified = await verify({ headers, body: rawBody, secrets: [this.env.BENCH_INGRESS_SECRET] });
      if (!verified.ok) throw new Error(`signature: ${verified.reason}`);
    }
    const json = JSON.parse(rawBody) as { events: EventEnvelope[] };
    const events = reached("validate") ? validated(json) : json.events;
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      if (!reached("dedupe")) {
        for (const event of events) {
          const [id, entityKind, eventType, origin, body] = [
            event.id, event.entityKind, event.eventType, event.source.origin, JSON.stringify(event),
          ];
          this.sql`INSERT INTO events (version, id, received_at, entity_kind, event_type, origin, body)
                   VALUES (${++this.meta.head}, ${id}, ${now}, ${entityKind}, ${eventType}, ${origin}, ${body})`;
        }
        return { head: this.meta.head };
      }
      const prepared = toPreparedBatch(events);
      if (!prepared.ok) throw new Error(`invalid batch: ${prepared.message}`);
      const result = appendEvents(this.sql, prepared.batch, this.meta, now);
      if (reached("counters")) writeLogCounters(this.sql, result.counters);
      this.meta = { ...this.meta, ...result.counters };
      return { head: this.meta.head, results: result.results };
    });
  }

  /** Counted in SQL, so a benchmark can check what was really stored. */
  async eventCount(): Promise<number> {
    return this.sql.one<{ n: number }>`SELECT count(*) AS n FROM events`!.n;
  }
}

function validated(json: unknown): EventEnvelope[] {
  const result = validateIngestBody(json);
  if (!result.ok) throw new Error(`invalid body: ${result.message}`);
  return result.events;
}

const PATH = /^\/([a-z]+)\/v1\/workspaces\/([A-Za-z0-9_-]{1,64})(\/events)?$/;

export default {
  async fetch(request, env) {
    const match = PATH.exec(new URL(request.url).pathname);
    const step = STEPS.find((s) => s === match?.[1]);
    if (!match || !step) return new Response("not found", { status: 404 });
    const log = env.STEPS_LOG.get(env.STEPS_LOG.idFromName(match[2]!));
    if (match[3] && request.method === "POST") {
      return Response.json(await log.ingest(step, await request.text(), readWebhookHeaders(request.headers)));
    }
    if (!match[3] && request.method === "GET") return Response.json({ eventCount: await log.eventCount() });
    return new Response("method not allowed", { status: 405 });
  },
} satisfies ExportedHandler<Env>;
