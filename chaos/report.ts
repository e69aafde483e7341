import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import type { Check } from "./checks.ts";
import type { Receipt } from "./receivers.ts";
import type { IngestRecord } from "./sources.ts";

export type SubscriberFigures = {
  id: string;
  behaviour: string;
  matching: number;
  requests: number;
  batches: number;
  /** Requests that repeated a webhook-id already sent. */
  retries: number;
  /** Events that arrived again after the receiver had already answered 2xx for them. */
  duplicates: number;
  /** When its last missing event first arrived, counted from the last kill. */
  caughtUpSecondsAfterLastKill?: number;
};

export type Figures = {
  finishedAt: string;
  durationSeconds: number;
  machine: string;
  loadAverage: number;
  events: number;
  ingest: Pick<IngestRecord, "requests" | "attempts" | "rateLimited" | "overloaded" | "networkErrors">;
  subscribers: SubscriberFigures[];
  alerts: { distinct: number; requests: number; types: string };
  kills: number;
  restartSeconds: number[];
  drainSecondsAfterLastKill: number;
  /** When the sources had every event acknowledged, counted from the last kill. */
  streamEndSecondsAfterLastKill: number;
  rateLimit: string;
};

/** Requests, batches, re-sends and at-least-once duplicates as one receiver saw them. */
export function receiverFigures(id: string, behaviour: string, matching: number, receipts: Receipt[]): SubscriberFigures {
  const batches = new Set(receipts.map((r) => r.headers["webhook-id"]));
  const accepted = new Set<number>();
  let duplicates = 0;
  for (const receipt of receipts) {
    const versions = (JSON.parse(receipt.body) as { events: { version: number }[] }).events.map((e) => e.version);
    for (const v of versions) if (accepted.has(v)) duplicates++;
    if (typeof receipt.answer === "number" && receipt.answer >= 200 && receipt.answer < 300) for (const v of versions) accepted.add(v);
  }
  return { id, behaviour, matching, requests: receipts.length, batches: batches.size, retries: receipts.length - batches.size, duplicates };
}

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, node ${process.versions.node}`;
}

export const currentLoad = () => loadavg()[0]!;

export function printSummary(figures: Figures, checks: Check[]): void {
  console.log("\n" + figuresMarkdown(figures) + "\n");
  for (const c of checks) console.log(`${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
}

function figuresMarkdown(f: Figures): string {
  const total = (key: "requests" | "retries" | "duplicates") => f.subscribers.reduce((sum, s) => sum + s[key], 0);
  const lines = [
    `Run finished ${f.finishedAt} in ${f.durationSeconds} s on ${f.machine} (1-minute load average ${f.loadAverage.toFixed(1)} at the end).`,
    "",
    "| figure | value |",
    "|---|---|",
    `| events acknowledged and in the log | ${f.events} |`,
    `| ingest requests / attempts | ${f.ingest.requests} / ${f.ingest.attempts} |`,
    `| ingest answers 429 / 503 / network errors (all retried) | ${f.ingest.rateLimited} / ${f.ingest.overloaded} / ${f.ingest.networkErrors} |`,
    `| deliveries (requests at the receivers) | ${total("requests")} |`,
    `| retries (re-sends of a webhook-id) | ${total("retries")} |`,
    `| duplicates (events re-sent after a 2xx) | ${total("duplicates")} |`,
    `| SIGKILLs of the relay mid-stream | ${f.kills} |`,
    `| restart after each kill | ${f.restartSeconds.map((s) => `${s.toFixed(1)} s`).join(", ")} |`,
    `| last event acknowledged, after the last kill | ${f.streamEndSecondsAfterLastKill.toFixed(1)} s |`,
    `| time to drain after the last kill (every subscriber has every event) | ${f.drainSecondsAfterLastKill.toFixed(1)} s |`,
    `| alerts (distinct / requests) | ${f.alerts.distinct} / ${f.alerts.requests} (${f.alerts.types}) |`,
    `| rate-limited subscriber, most events in 10 s | ${f.rateLimit} |`,
    "",
    "| subscriber | behaviour | matching events | requests | batches | retries | duplicates | caught up after the last kill |",
    "|---|---|---|---|---|---|---|---|",
    ...f.subscribers.map(
      (s) =>
        `| ${s.id} | ${s.behaviour} | ${s.matching} | ${s.requests} | ${s.batches} | ${s.retries} | ${s.duplicates} | ${s.caughtUpSecondsAfterLastKill?.toFixed(1) ?? "?"} s |`,
    ),
  ];
  return lines.join("\n");
}

const START = "<!-- chaos:figures:start -->";
const END = "<!-- chaos:figures:end -->";
export const RELIABILITY_PATH = join(import.meta.dirname, "..", "RELIABILITY.md");

/** Replaces the figures between the markers of RELIABILITY.md with this run's. */
export async function writeFigures(figures: Figures): Promise<void> {
  const text = await readFile(RELIABILITY_PATH, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${RELIABILITY_PATH} has no ${START} … ${END} section`);
  await writeFile(RELIABILITY_PATH, `${text.slice(0, start + START.length)}\n${figuresMarkdown(figures)}\n${text.slice(end)}`);
}

/**
 * What each receiver saw, request by request, without payloads: written next to the relay's
 * logs when a run fails, to tell a relay fault from a slow machine. `signedAt` is the second
 * in webhook-timestamp, when the relay signed the request just before sending it.
 */
export async function writeReceipts(dir: string, name: string, receipts: Receipt[]): Promise<string> {
  const rows = receipts.map((r) => {
    const body = JSON.parse(r.body) as { events?: { version: number }[] };
    return {
      at: r.at,
      signedAt: Number(r.headers["webhook-timestamp"]),
      webhookId: r.headers["webhook-id"],
      attempt: r.headers["x-relay-attempt"],
      first: body.events?.[0]?.version,
      last: body.events?.at(-1)?.version,
      count: body.events?.length,
      answer: r.answer,
      verifyError: r.verifyError,
    };
  });
  const path = join(dir, `receipts-${name}.json`);
  await writeFile(path, JSON.stringify(rows, null, 1));
  return path;
}
