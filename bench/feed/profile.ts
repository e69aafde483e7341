import { ingestBacklog } from "../lib/backlog.ts";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { fmt } from "../lib/report.ts";
import { runInterleaved, type Measurement } from "../lib/rounds.ts";
import { median } from "../lib/stats.ts";
import { readFeed, readPages, type ReadFigures, type ReadTarget } from "./readers.ts";

/**
 * Where one feed reader's catch-up time goes (issue 13): the same 20,000-event backlog read
 * by one reader through the feed acking every frame (what consumers do), through the feed
 * never acking (no cursor writes and no flow control on the server), and through the read
 * API, in interleaved rounds. Beside wall time: frames, bytes per frame, and the reader's own
 * parse time, so what is left is the relay's (and the transport's) share.
 */

type Path = "feed, ack every frame" | "feed, no acks" | "read API";
const PATHS: readonly Path[] = ["feed, ack every frame", "feed, no acks", "read API"];
const BACKLOG_EVENTS = 20_000;
const ROUNDS = 3;

async function run(): Promise<BenchmarkOutcome> {
  console.log(`feed-profile: starting the relay and ingesting a ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog…`);
  const relay = await startLocalRelay();
  try {
    const workspaceId = `feedprof-${Date.now().toString(36)}`;
    const { ingressSecret } = await relay.admin.createWorkspace(workspaceId);
    const head = await ingestBacklog({ relay, workspaceId, ingressSecret, events: BACKLOG_EVENTS, idPrefix: workspaceId });
    const { key } = await relay.admin.createReadKey(workspaceId, "bench");
    const target: ReadTarget = { baseUrl: relay.worker.url, workspaceId, readKey: key, through: head, timeoutMs: 120_000 };
    let readers = 0;
    const measured: Measurement<Path, "1 reader", ReadFigures>[] = await runInterleaved(
      { targets: PATHS, scenarios: ["1 reader"], warmupRounds: 1, rounds: ROUNDS },
      async ({ target: path, warmup, round }) => {
        const consumer = `profile-${readers++}`;
        const figures =
          path === "read API"
            ? await readPages(target)
            : await readFeed(target, consumer, { ack: path === "feed, ack every frame" });
        if (figures.events !== BACKLOG_EVENTS) throw new Error(`${path}: read ${figures.events} events`);
        await relay.admin.workspaceInfo(workspaceId); // let the object finish what the reader sent
        console.log(
          `  ${warmup ? "warm-up" : `round ${round}/${ROUNDS}`} ${path.padEnd(22)} ${fmt(figures.doneMs, 0).padStart(6)} ms, ` +
            `parse ${fmt(figures.parseMs, 0)} ms, ${figures.messages} messages`,
        );
        return figures;
      },
    );
    const rows = PATHS.map((path) => {
      const mine = measured.filter((m) => m.target === path).map((m) => m.result);
      const doneMs = median(mine.map((r) => r.doneMs));
      const parseMs = median(mine.map((r) => r.parseMs));
      return {
        path,
        eventsPerSecond: BACKLOG_EVENTS / (doneMs / 1000),
        doneMs,
        parseMs,
        relayMs: doneMs - parseMs,
        messages: mine[0]!.messages,
        kibPerMessage: mine[0]!.bytes / mine[0]!.messages / 1024,
      };
    });
    return {
      tables: [
        {
          title: `One reader, ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog (medians of ${ROUNDS} rounds)`,
          columns: ["path", "events/s", "catch-up ms", "reader parse ms", "rest ms", "messages", "KiB per message"],
          rows: rows.map((r) => [
            r.path,
            fmt(r.eventsPerSecond, 0),
            fmt(r.doneMs, 0),
            fmt(r.parseMs, 0),
            fmt(r.relayMs, 0),
            r.messages,
            fmt(r.kibPerMessage, 0),
          ]),
        },
      ],
      checks: [],
      data: { backlogEvents: BACKLOG_EVENTS, rounds: ROUNDS, rows },
    };
  } finally {
    await relay.worker.dispose();
  }
}

export const feedProfileBenchmark: Benchmark = {
  name: "feed-profile",
  description: "Where one feed reader's catch-up time goes: acking vs not, frames, reader parse time, vs the read API",
  runByDefault: false,
  run,
};
