import { Webhook } from "standardwebhooks";
import { sleep } from "./deadline.ts";

export type SourcesOptions = {
  baseUrl: string;
  workspaceId: string;
  ingressSecret: string;
  sources: number;
  requestsPerSource: number;
  eventsPerRequest: number;
  /** Pause between one source's acknowledged request and its next one. */
  intervalMs: number;
  /** The entity kind of a source's n-th event (subscribers filter on it). */
  kindOf(source: number, n: number): string;
  /** Requests from this index on wait for `gate` (so the stream is still flowing at a kill). */
  holdFromRequest: number;
  gate: Promise<void>;
  signal: AbortSignal;
};

/** What the relay acknowledged, and what it took to get there. */
export type IngestRecord = {
  /** Every event id sent, each exactly once across the sources. */
  sent: Set<string>;
  /** id → every version a 200 answer gave it (retries of a committed request repeat it). */
  acks: Map<string, number[]>;
  requests: number;
  attempts: number;
  rateLimited: number;
  overloaded: number;
  networkErrors: number;
  /** Answers that are neither 200 nor a documented back-off: each one fails the run. */
  unexpected: { status: number; body: string }[];
  /** Acknowledged events as they came, for progress. */
  ackedEvents: number;
};

const MAX_BACKOFF_MS = 2_000;

type IngestAnswer = { results: { id: string; version: number }[] };

function parseAnswer(text: string): IngestAnswer | undefined {
  try {
    const answer = JSON.parse(text) as IngestAnswer;
    return Array.isArray(answer?.results) ? answer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Several concurrent sources, each sending its own events in signed requests one after
 * another. On 429 or 503 a source waits for Retry-After; on a network error (the relay is
 * down) it backs off; then it sends the same body again, so every event keeps its id.
 */
export class Sources {
  readonly record: IngestRecord = {
    sent: new Set(),
    acks: new Map(),
    requests: 0,
    attempts: 0,
    rateLimited: 0,
    overloaded: 0,
    networkErrors: 0,
    unexpected: [],
    ackedEvents: 0,
  };

  private readonly options: SourcesOptions;

  constructor(options: SourcesOptions) {
    this.options = options;
  }

  get totalEvents(): number {
    return this.options.sources * this.options.requestsPerSource * this.options.eventsPerRequest;
  }

  run(): Promise<void> {
    return Promise.all(Array.from({ length: this.options.sources }, (_, s) => this.runSource(s))).then(() => undefined);
  }

  private async runSource(source: number): Promise<void> {
    const { requestsPerSource, eventsPerRequest } = this.options;
    for (let r = 0; r < requestsPerSource; r++) {
      if (r === this.options.holdFromRequest) await this.options.gate;
      const events = Array.from({ length: eventsPerRequest }, (_, i) => this.event(source, r * eventsPerRequest + i));
      for (const e of events) this.record.sent.add(e.id);
      await this.sendUntilAcknowledged(`ingest_s${source}_r${r}`, JSON.stringify({ events }), events.map((e) => e.id));
      if (r + 1 < requestsPerSource) await sleep(this.options.intervalMs);
    }
  }

  private event(source: number, n: number) {
    return {
      id: `evt_s${source}_${n}`,
      entityKind: this.options.kindOf(source, n),
      entityId: `e_${source}_${n % 50}`,
      eventType: "update",
      payload: { source, n },
      source: { origin: `chaos-source-${source}` },
      emittedAt: 1_764_547_200_000 + n,
    };
  }

  private async sendUntilAcknowledged(messageId: string, body: string, ids: string[]): Promise<void> {
    const { record } = this;
    const webhook = new Webhook(this.options.ingressSecret);
    const url = `${this.options.baseUrl}/v1/workspaces/${this.options.workspaceId}/events`;
    record.requests++;
    let backoffMs = 100;
    for (;;) {
      this.options.signal.throwIfAborted();
      record.attempts++;
      // Signed again on every attempt: the timestamp must stay within the tolerance.
      const now = new Date();
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "webhook-id": messageId,
            "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
            "webhook-signature": webhook.sign(messageId, now, body),
          },
          body,
          signal: AbortSignal.any([this.options.signal, AbortSignal.timeout(30_000)]),
        });
      } catch {
        this.options.signal.throwIfAborted();
        record.networkErrors++;
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        continue;
      }
      let text: string;
      try {
        text = await res.text();
      } catch {
        // The connection broke mid-answer (a kill): nothing was acknowledged, send again.
        this.options.signal.throwIfAborted();
        record.networkErrors++;
        continue;
      }
      if (res.status === 200) {
        const answer = parseAnswer(text);
        if (answer) {
          this.acknowledge(ids, answer);
          return;
        }
        // A whole 200 answer that is not the contract's: a relay fault. Not an acknowledgement,
        // so the same body goes again; the run fails on it at the end.
        const headers: string[] = [];
        res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
        record.unexpected.push({ status: 200, body: `not an ingest result: ${JSON.stringify(text.slice(0, 200))}, headers ${headers.join("; ")}` });
        await sleep(1000);
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        if (res.status === 429) record.rateLimited++;
        else record.overloaded++;
        const retryAfter = Number(res.headers.get("retry-after"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000);
        continue;
      }
      record.unexpected.push({ status: res.status, body: text.slice(0, 300) });
      await sleep(1000);
    }
  }

  private acknowledge(ids: string[], answer: IngestAnswer): void {
    const results = answer.results;
    if (results.length !== ids.length || results.some((r, i) => r.id !== ids[i])) {
      this.record.unexpected.push({ status: 200, body: `results do not match the request: ${JSON.stringify(results).slice(0, 300)}` });
    }
    for (const { id, version } of results) {
      const versions = this.record.acks.get(id) ?? [];
      if (versions.length === 0) this.record.ackedEvents++;
      versions.push(version);
      this.record.acks.set(id, versions);
    }
  }
}
