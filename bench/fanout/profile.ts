import { Agent } from "node:http";
import { join } from "node:path";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { runLoad, sendPrepared, type PreparedRequest } from "../lib/load.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { startLocalWorker } from "../lib/local-worker.ts";
import { fmt } from "../lib/report.ts";
import { signedPosts } from "../lib/signed-request.ts";
import { runInterleaved } from "../lib/rounds.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import { directPost, receiverSecrets } from "./direct.ts";
import { expectOk, measureDirect, measureRelay, oneEventBody, sampleEvents, sampleLoop, type LatencyFigures, type LatencyRun } from "./latency.ts";
import { closeGroups, createFanoutGroup } from "./subscribers.ts";
import { FANOUT_HOPS, FORWARD_TO_HEADER, type FanoutHop } from "./variants/steps.ts";

/**
 * Where one subscriber's delivery latency goes: a direct POST, then the relay's path built up
 * one hop at a time on a bench Worker (`bench/fanout/variants/`), then the relay itself, all
 * to the same receiver, one event at a time, in interleaved rounds. The difference between
 * neighbouring rows is what a hop adds.
 */

/** `ingest` is the relay's ingest to a workspace without subscribers: its response time alone. */
type Target = "direct" | FanoutHop | "ingest" | "relay";
const TARGETS: readonly Target[] = ["direct", ...FANOUT_HOPS, "ingest", "relay"];
const HOP_PATH = "/hop";
const SAMPLES = 100;
/** The pause before each sample (see latency.ts), as in the fan-out benchmark at 1 subscriber. */
const IDLE_MS = 20;
const ROUNDS = 3;

type Figures = { response: LatencySummary; receipt: LatencySummary | undefined; perRoundReceiptP50: number };

/** Response times of `requests` sent one after another, for the rows with nothing to receive. */
async function responseTimes(baseUrl: URL, requests: readonly PreparedRequest[]): Promise<LatencyRecorder> {
  const load = await runLoad({ baseUrl, requests, concurrency: 1, maxDurationMs: 20_000 });
  if (load.failed > 0) throw new Error(`requests failed: ${load.failures.join(" | ")}`);
  return load.latency;
}

async function run(): Promise<BenchmarkOutcome> {
  console.log("fanout-profile: starting the relay and the hops Worker…");
  const relay = await startLocalRelay({ allowInsecureDestinations: true });
  const hops = await startLocalWorker({ name: "fanout-hops", configPath: join(import.meta.dirname, "variants", "wrangler.toml") });
  const session = Date.now().toString(36);
  const group = await createFanoutGroup({ relay, workspaceId: `fanout-profile-${session}`, count: 1, start: "head" });
  const receiver = group.subscriptions[0]!.receiver;
  const quiet = `fanout-profile-${session}-quiet`;
  const { ingressSecret: quietSecret } = await relay.admin.createWorkspace(quiet);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const directSecrets = receiverSecrets(1);
    const measured = await runInterleaved(
      { targets: TARGETS, scenarios: [SAMPLES], warmupRounds: 1, rounds: ROUNDS },
      async ({ target, round, warmup }) => {
        const latencyRun: LatencyRun = { relay, group, directSecrets, samples: warmup ? 30 : SAMPLES, idPrefix: `${session}-r${round}-${target}`, maxRunMs: 20_000, idleMs: IDLE_MS };
        let response: LatencyRecorder;
        let receipt: LatencyRecorder | undefined;
        if (target === "direct" || target === "relay") {
          const figures: LatencyFigures = await (target === "relay" ? measureRelay : measureDirect)(latencyRun);
          [response, receipt] = [figures.response, figures.perReceiver];
        } else if (target === "ingest") {
          const requests = await signedPosts({
            path: `/v1/workspaces/${quiet}/events`,
            bodies: sampleEvents(latencyRun).map(oneEventBody),
            secret: quietSecret,
          });
          response = await responseTimes(relay.worker.url, requests);
        } else {
          const forwards = await Promise.all(
            sampleEvents(latencyRun).map(async (event, k): Promise<PreparedRequest> => {
              const { body } = await directPost({ workspaceId: group.workspaceId, prevVersion: k, events: [event], secret: directSecrets[0]! });
              const headers = { "content-type": "application/json", [FORWARD_TO_HEADER]: new URL(HOP_PATH, receiver.url).href };
              return { method: "POST", path: `/${target}`, headers, body };
            }),
          );
          if (target === "echo") {
            // Nothing is forwarded: only the round trip through wrangler's proxy and the Worker.
            response = await responseTimes(hops.url, forwards);
          } else {
            const figures = await sampleLoop(
              latencyRun,
              sampleEvents(latencyRun),
              async (k, receivedAt) => {
                const sentAt = performance.now();
                await expectOk(sendPrepared(agent, hops.url, forwards[k]!, 15_000));
                const respondedAt = performance.now();
                return { sentAt, respondedAt, arrivals: await receivedAt };
              },
              HOP_PATH,
            );
            [response, receipt] = [figures.response, figures.perReceiver];
          }
        }
        const figures: Figures = {
          response: response.summary(),
          receipt: receipt?.summary(),
          perRoundReceiptP50: receipt?.summary().p50Ms ?? Number.NaN,
        };
        console.log(
          `  ${(warmup ? "warm-up" : `round ${round}/${ROUNDS}`).padEnd(11)} ${target.padEnd(17)} response p50 ${fmt(figures.response.p50Ms, 2)} ms` +
            (figures.receipt ? `  receipt p50 ${fmt(figures.receipt.p50Ms, 2)} ms` : ""),
        );
        return figures;
      },
    );
    const rows = TARGETS.map((target) => {
      const runs = measured.filter((m) => m.target === target).map((m) => m.result);
      return {
        target,
        responseP50Ms: median(runs.map((r) => r.response.p50Ms)),
        receiptP50Ms: median(runs.map((r) => r.perRoundReceiptP50)),
        receiptP99Ms: median(runs.map((r) => r.receipt?.p99Ms ?? Number.NaN)),
      };
    });
    return {
      tables: [
        {
          title: `Fan-out latency by hop, 1 receiver, one event at a time (medians of ${ROUNDS} rounds of ${SAMPLES})`,
          columns: ["path", "send → response p50 ms", "send → receipt p50 ms", "receipt p99 ms", "added p50 ms"],
          rows: rows.map((r, i) => {
            // Each hop builds on the last one that forwarded; echo forwards nothing.
            const previous = rows.slice(0, i).reverse().find((p) => Number.isFinite(p.receiptP50Ms));
            const added = previous && Number.isFinite(r.receiptP50Ms) ? fmt(r.receiptP50Ms - previous.receiptP50Ms, 2) : "";
            return [r.target, fmt(r.responseP50Ms, 2), fmt(r.receiptP50Ms, 2), fmt(r.receiptP99Ms, 2), added];
          }),
        },
      ],
      checks: [],
      data: { samples: SAMPLES, rounds: ROUNDS, hops: rows },
    };
  } finally {
    agent.destroy();
    await closeGroups([group]);
    await Promise.all([hops.dispose(), relay.worker.dispose()]);
  }
}

export const fanoutProfileBenchmark: Benchmark = {
  name: "fanout-profile",
  description: "where one subscriber's delivery latency goes: direct POST, the relay's hops one at a time, the relay",
  runByDefault: false,
  run,
};
