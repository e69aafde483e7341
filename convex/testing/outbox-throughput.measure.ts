import { writeFile } from "node:fs/promises";
import { test } from "vitest";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { buildEnvelope } from "../component/lib/envelope";
import { api } from "../example/convex/_generated/api";
import { makeExampleApp, type ExampleApp } from "./example-app";
import { setupApp } from "./fixtures";

/**
 * The measuring half of `npm run bench -- convex-outbox` (bench/convex/benchmark.ts), run by
 * Vitest because convex-test needs Vite. Not a test: it records figures in `BENCH_OUT`.
 *
 * Per round, interleaved, with the same number of events:
 * - `plain writes`: inserts into the app's table under convex-test, without federation (what
 *   the app's writes cost alone);
 * - `synced writes → relay log`: `createUser` synced mutations, each recording its event in the
 *   outbox; the component's dispatcher drains them to the real local relay in batches of up to
 *   100, as it does on a deployment; the clock stops when the relay's head holds every event;
 * - `direct ingest, 100/batch`: the same envelopes POSTed by one sender in signed batches of
 *   100, one after another (the relay's side alone, with the dispatcher's batching).
 */

/** A workspace, its ingress secret, and a read key to watch its head with. */
type Target = { workspace: string; secret: string; readKey: string };
type Setup = {
  relayUrl: string;
  /** Run sizes; each round runs every path at every size. */
  sizes: number[];
  /** Per round and size: a workspace for each relay-bound path. */
  rounds: { synced: Target; direct: Target }[][];
};

export type PathFigures = {
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  batches?: number;
  /** Synced path: when the last synced mutation had committed (the rest is the drain). */
  writesMs?: number;
};
export type OutboxThroughput = { sizes: number[]; rounds: Record<"plain" | "synced" | "direct", PathFigures>[][] };

const setup = JSON.parse(process.env.BENCH_SETUP ?? "null") as Setup | null;

async function head(target: Target): Promise<number> {
  const response = await fetch(`${setup!.relayUrl}/v1/workspaces/${target.workspace}/events?after=0&limit=1`, {
    headers: { authorization: `Bearer ${target.readKey}` },
  });
  return ((await response.json()) as { head: number }).head;
}

function figures(events: number, startedAt: number, batches?: number): PathFigures {
  const elapsedMs = performance.now() - startedAt;
  return { events, elapsedMs, eventsPerSecond: (events * 1000) / elapsedMs, ...(batches ? { batches } : {}) };
}

async function plainWrites(events: number): Promise<PathFigures> {
  const t = makeExampleApp();
  const startedAt = performance.now();
  for (let i = 0; i < events; i++) {
    await t.run(async (ctx) => {
      await ctx.db.insert("users", { email: `u${i}@example.com`, name: `u${i}`, version: 1, updatedAt: Date.now() });
    });
  }
  return figures(events, startedAt);
}

async function syncedWrites(events: number, target: Target): Promise<PathFigures> {
  const t: ExampleApp = await setupApp({ relayUrl: setup!.relayUrl, workspace: target.workspace, ingressSecret: target.secret, origin: "bench" });
  const startedAt = performance.now();
  for (let i = 0; i < events; i++) {
    await t.mutation(api.users.createUser, { email: `u${i}@example.com`, name: `u${i}` });
  }
  const writesMs = performance.now() - startedAt;
  while ((await head(target)) < events) await new Promise((resolve) => setTimeout(resolve, 5));
  const result = { ...figures(events, startedAt), writesMs };
  // One `sentAt` per accepted batch: settle stamps a whole batch at once.
  const sent = await t.query(api.federation.listEvents, { limit: events });
  if (sent.length !== events) throw new Error(`listed ${sent.length} of ${events} events`);
  return { ...result, batches: new Set(sent.flatMap((e) => e.deliveries.map((d) => d.sentAt))).size };
}

async function directIngest(events: number, target: Target): Promise<PathFigures> {
  const envelopes = Array.from({ length: events }, (_, i) =>
    buildEnvelope({
      eventId: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
      entityName: "User",
      entityId: `bench:u${i}`,
      operation: "create",
      table: "users",
      document: { email: `u${i}@example.com`, name: `u${i}`, version: 1, updatedAt: Date.now() },
      version: 1,
      updatedAt: Date.now(),
      lamport: 1,
      origin: "bench",
      emittedAt: Date.now(),
    }).json,
  );
  const startedAt = performance.now();
  let batches = 0;
  for (let i = 0; i < envelopes.length; i += 100) {
    // Signed per batch, as the dispatcher signs each batch it sends.
    const body = `{"events":[${envelopes.slice(i, i + 100).join(",")}]}`;
    const headers = await signedHeaders({ id: `msg_${batches}`, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets: [target.secret] });
    const response = await fetch(`${setup!.relayUrl}/v1/workspaces/${target.workspace}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    batches++;
  }
  return figures(events, startedAt, batches);
}

test("outbox throughput", async () => {
  if (setup === null) throw new Error("run by `npm run bench -- convex-outbox`, which sets BENCH_SETUP");
  const result: OutboxThroughput = { sizes: setup!.sizes, rounds: [] };
  for (const round of setup!.rounds) {
    const bySize = [];
    for (const [index, events] of setup!.sizes.entries()) {
      const plain = await plainWrites(events);
      const synced = await syncedWrites(events, round[index]!.synced);
      const direct = await directIngest(events, round[index]!.direct);
      bySize.push({ plain, synced, direct });
    }
    result.rounds.push(bySize);
  }
  await writeFile(process.env.BENCH_OUT!, JSON.stringify(result, null, 2));
}, 600_000);
