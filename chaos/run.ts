/**
 * `npm run chaos`: the whole delivery path under faults, against a real local relay in its
 * own process. Concurrent sources send 10,000 signed events while receivers fail, push back,
 * rate-limit and go down, and the relay is SIGKILLed twice mid-stream and restarted on the
 * same state and port. Then it reads everything back and checks the guarantees of contract
 * §2, §5 and §9 (see RELIABILITY.md). Exits non-zero if any check fails or any wait times out;
 * writes the figures of a passing run into RELIABILITY.md.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { relayAdmin } from "./admin.ts";
import { healthy } from "./behaviours.ts";
import { checkAlerts, checkFinalState, checkLog, checkRetryAfter, checkSubscriber, rateWindows, type Check } from "./checks.ts";
import { sleep, waitFor, withDeadline } from "./deadline.ts";
import { ChaosReceiver } from "./receivers.ts";
import { RelayProcess } from "./relay-process.ts";
import { currentLoad, machineLine, printSummary, receiverFigures, writeFigures, writeReceipts, type Figures } from "./report.ts";
import * as scenario from "./scenario.ts";
import { Sources } from "./sources.ts";

const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
const say = (message: string) => console.log(`[${elapsed().padStart(7)}] ${message}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function main(): Promise<boolean> {
  const runDir = await mkdtemp(join(tmpdir(), "relay-chaos-"));
  const persistDir = join(runDir, "state");
  await mkdir(persistDir);
  const relay = new RelayProcess({ persistDir, logDir: runDir, port: await freePort(), vars: scenario.RELAY_VARS, startTimeoutMs: 90_000 });
  const receivers = new Map(scenario.SUBSCRIBERS.map((s) => [s.id, new ChaosReceiver(s.id, s.behaviour)]));
  const alertReceiver = new ChaosReceiver("alerts", healthy);
  const abort = new AbortController();
  activeRelay = relay;
  let passed = false;
  try {
    for (const receiver of [...receivers.values(), alertReceiver]) await receiver.start();
    say(`starting the relay on ${relay.url} (state and logs in ${runDir})`);
    await relay.start();
    const admin = relayAdmin(relay.url, scenario.ADMIN_TOKEN);
    const ingressSecret = await admin.createWorkspace(scenario.WORKSPACE);
    for (const plan of scenario.SUBSCRIBERS) {
      const receiver = receivers.get(plan.id)!;
      receiver.secret = await admin.createSubscriber(scenario.WORKSPACE, plan.id, { kind: "webhook", url: receiver.url, start: "beginning", ...plan.config });
    }
    alertReceiver.secret = await admin.createAlertDestination(scenario.WORKSPACE, "ops", alertReceiver.url);

    const secondKillDone = deferred();
    const sources = new Sources({
      baseUrl: relay.url,
      workspaceId: scenario.WORKSPACE,
      ingressSecret,
      sources: scenario.SOURCES,
      requestsPerSource: scenario.REQUESTS_PER_SOURCE,
      eventsPerRequest: scenario.EVENTS_PER_REQUEST,
      intervalMs: scenario.SOURCE_INTERVAL_MS,
      kindOf: scenario.kindOf,
      holdFromRequest: scenario.HOLD_FROM_REQUEST,
      gate: secondKillDone.promise,
      signal: abort.signal,
    });
    say(`${scenario.SOURCES} sources sending ${sources.totalEvents} events`);
    const streaming = sources.run();
    // A source that fails ends the run at once, not at the deadline of whatever waits then.
    const streamFailed = streaming.then(() => new Promise<never>(() => undefined));
    streamFailed.catch(() => undefined);
    const progress = () => `${sources.record.ackedEvents}/${sources.totalEvents} acknowledged`;
    const whenAcknowledged = (share: number) =>
      Promise.race([
        waitFor(() => sources.record.ackedEvents >= share * sources.totalEvents, 90_000, () => `${share * 100} % of events acknowledged (${progress()})`),
        streamFailed,
      ]);

    const kills: number[] = [];
    const restartSeconds: number[] = [];
    const killAndRestart = async (after?: () => void) => {
      say(`SIGKILL #${kills.length + 1} (${progress()})`);
      kills.push(Date.now());
      await relay.kill();
      after?.();
      await relay.start();
      restartSeconds.push((Date.now() - kills.at(-1)!) / 1000);
      say(`relay back after ${restartSeconds.at(-1)!.toFixed(1)} s`);
    };

    await whenAcknowledged(scenario.FIRST_KILL_AT);
    await killAndRestart();

    await whenAcknowledged(scenario.OUTAGE_AT);
    const outage = receivers.get("outage")!;
    say(`outage receiver down for ${scenario.OUTAGE_MS / 1000} s (${progress()})`);
    await outage.stop();
    await sleep(scenario.OUTAGE_MS);
    await outage.start();
    say(`outage receiver back on ${outage.url}`);

    await whenAcknowledged(scenario.SECOND_KILL_AT);
    await killAndRestart(() => secondKillDone.resolve());
    const lastKill = kills.at(-1)!;

    await withDeadline(streaming, 120_000, "the sources to finish");
    const streamEndedAt = Date.now();
    say(`all ${progress()}; reading the log back`);
    const log = await admin.readLog(scenario.WORKSPACE);

    // version → time of first receipt, per subscriber, kept up to date as receipts come in.
    const seen = new Map(scenario.SUBSCRIBERS.map((plan) => [plan.id, { read: 0, first: new Map<number, number>() }]));
    const firstReceipts = (id: string) => {
      const state = seen.get(id)!;
      const receipts = receivers.get(id)!.receipts;
      for (; state.read < receipts.length; state.read++) {
        const r = receipts[state.read]!;
        for (const e of (JSON.parse(r.body) as { events: { version: number }[] }).events) if (!state.first.has(e.version)) state.first.set(e.version, r.at);
      }
      return state.first;
    };
    const missing = (plan: scenario.SubscriberPlan) => {
      const got = firstReceipts(plan.id);
      return log.filter((e) => plan.matches(e) && !got.has(e.version)).length;
    };
    await waitFor(
      () => scenario.SUBSCRIBERS.every((plan) => missing(plan) === 0),
      150_000,
      () => `every subscriber to receive every matching event; missing: ${scenario.SUBSCRIBERS.map((p) => `${p.id} ${missing(p)}`).join(", ")}`,
      500,
    );
    const caughtUpAt = (id: string) => Math.max(...firstReceipts(id).values());
    const drainedAt = Math.max(...scenario.SUBSCRIBERS.map((plan) => caughtUpAt(plan.id)));
    say(`drained ${((drainedAt - lastKill) / 1000).toFixed(1)} s after the last kill`);

    const caughtUp = async () => {
      const statuses = await admin.subscribers(scenario.WORKSPACE);
      return statuses.every((s) => s.lag === 0 && s.inFlight === null) ? statuses : undefined;
    };
    const statuses = await waitFor(caughtUp, 30_000, "every subscriber's status to show it caught up", 500);
    const certainAlerts = () =>
      Object.entries(scenario.ALERT_EXPECTATIONS.exact).every(
        ([id, types]) => alertReceiver.receipts.filter((r) => r.body.includes(`"subscriberId":"${id}"`)).length >= types.length,
      );
    await waitFor(certainAlerts, 30_000, "the certain alerts to arrive", 500);
    // Long enough for a late or repeated alert to show up, since one is never allowed.
    await sleep(3_000);

    const checks: Check[] = [...checkLog(log, sources.record)];
    for (const plan of scenario.SUBSCRIBERS) {
      checks.push(...checkSubscriber({ ...plan, receipts: receivers.get(plan.id)!.receipts }, scenario.WORKSPACE, log, kills));
    }
    checks.push(checkRetryAfter({ ...scenario.SUBSCRIBERS.find((s) => s.id === "pushback")!, receipts: receivers.get("pushback")!.receipts }, kills));
    const alertResult = checkAlerts(alertReceiver.receipts, scenario.WORKSPACE, scenario.ALERT_EXPECTATIONS);
    checks.push(...alertResult.checks);
    checks.push(checkFinalState(statuses, await admin.deadLetters(scenario.WORKSPACE)));

    const limited = scenario.SUBSCRIBERS.find((s) => s.eventsPerSecond !== undefined)!;
    const windows = rateWindows(
      receivers.get(limited.id)!.receipts.map((receipt) => ({ receipt, body: JSON.parse(receipt.body) })),
      kills,
    );
    const figures: Figures = {
      finishedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      machine: machineLine(),
      loadAverage: currentLoad(),
      events: log.length,
      ingest: sources.record,
      subscribers: scenario.SUBSCRIBERS.map((plan) => ({
        ...receiverFigures(plan.id, plan.behaviourName, log.filter(plan.matches).length, receivers.get(plan.id)!.receipts),
        caughtUpSecondsAfterLastKill: (caughtUpAt(plan.id) - lastKill) / 1000,
      })),
      alerts: {
        distinct: alertResult.alerts.length,
        requests: alertReceiver.receipts.length,
        types: alertResult.alerts.map((a) => `${a.subscriberId} ${a.type.replace("subscriber.", "")}`).join(", ") || "none",
      },
      kills: kills.length,
      restartSeconds,
      drainSecondsAfterLastKill: (drainedAt - lastKill) / 1000,
      streamEndSecondsAfterLastKill: (streamEndedAt - lastKill) / 1000,
      rateLimit: `${windows.mostSound} between kills, ${windows.most} in a window holding a kill (limit ${limited.eventsPerSecond! * 10})`,
    };
    printSummary(figures, checks);
    passed = checks.every((c) => c.ok);
    if (passed) {
      await writeFigures(figures);
      console.log(`\nall ${checks.length} checks passed in ${elapsed()}; figures written to RELIABILITY.md`);
    } else {
      for (const [name, receiver] of [...receivers, ["alerts", alertReceiver] as const]) await writeReceipts(runDir, name, receiver.receipts);
      console.log(`\n${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed; relay logs and receipts kept in ${runDir}`);
    }
    return passed;
  } finally {
    abort.abort();
    await relay.stop().catch((error: unknown) => console.error(`stopping the relay: ${String(error)}`));
    await Promise.all([...receivers.values(), alertReceiver].map((r) => r.stop()));
    if (passed) await rm(runDir, { recursive: true, force: true });
  }
}

/** The relay to kill if the run is cut short: it runs detached, so it would outlive this process. */
let activeRelay: RelayProcess | undefined;
const abandon = (reason: string) => {
  console.error(reason);
  activeRelay?.killNow();
  process.exit(1);
};
// The whole run is bounded: past the deadline it kills the relay and fails, saying so.
const runDeadline = setTimeout(() => abandon(`chaos run exceeded ${scenario.RUN_DEADLINE_MS / 1000} s; failing`), scenario.RUN_DEADLINE_MS);
process.once("SIGINT", () => abandon("interrupted"));

main()
  .then((passed) => {
    process.exitCode = passed ? 0 : 1;
  })
  .catch((error: unknown) => {
    console.error(`chaos run failed at ${elapsed()}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => clearTimeout(runDeadline));
