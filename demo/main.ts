/**
 * `npm run demo`: the relay at work in one command. It starts the local relay, a workspace
 * `demo` with three subscribers on loopback receivers (healthy, flaky, and a Convex-style app
 * that verifies signatures and applies events), sends a trickle of task-app events for
 * DEMO_SECONDS (default 60) or until Ctrl-C, then stops and cleans up.
 *
 * Settings (environment): DEMO_SECONDS, DEMO_PORT (default 8787; 0 picks a free one),
 * DEMO_PERSIST_DIR (default .wrangler/state, as `npm run dev`), RELAY_ADMIN_TOKEN (default: a
 * fresh token for this run, printed, since the relay lives only as long as the demo).
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { RelayApiError, RelayClient } from "../src/client/relay-client.ts";
import type { SubscriberStatus } from "../src/contract/subscriber.ts";
import { startLocalWorker, type RunningWorker } from "./local-relay.ts";
import { convexStyleReceiver, flakyReceiver, healthyReceiver, type DemoReceiver } from "./receivers.ts";
import { TaskAppTraffic } from "./traffic.ts";

const WORKSPACE = "demo";
const SEND_EVERY_MS = 800;
const PROGRESS_EVERY_MS = 5000;
/** After the trickle stops, how long the demo waits for the subscribers to catch up. */
const DRAIN_MS = 20_000;

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`demo: ${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const log = (line = "") => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function lagLine(subscribers: SubscriberStatus[]): string {
  return subscribers.map((s) => `${s.id} ${s.state}, lag ${s.lag}`).join(" · ");
}

async function main(): Promise<void> {
  const seconds = envInt("DEMO_SECONDS", 60, 1, 3600);
  const port = envInt("DEMO_PORT", 8787, 0, 65535);
  const persistDir = resolve(process.env.DEMO_PERSIST_DIR || ".wrangler/state");
  const ownToken = !process.env.RELAY_ADMIN_TOKEN;
  const token = process.env.RELAY_ADMIN_TOKEN || `demo_${randomBytes(24).toString("base64url")}`;

  let stopping = false;
  const cleanups: (() => Promise<unknown>)[] = [];
  const onSignal = () => {
    if (stopping) process.exit(130); // a second Ctrl-C: stop now
    stopping = true;
    log("\nStopping…");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log(`Starting the relay on 127.0.0.1 (state in ${persistDir})…`);
    let worker: RunningWorker;
    try {
      worker = await startLocalWorker({
        persistDir,
        port,
        // Loopback receivers need insecure destinations: allowed for this local demo only.
        vars: { RELAY_ADMIN_TOKEN: token, RELAY_ALLOW_INSECURE_DESTINATIONS: "true", RELAY_RETRY_SCHEDULE: "1,2,5" },
      });
    } catch (error) {
      console.error(`demo: the relay did not start: ${(error as Error).message}`);
      if (port !== 0) console.error(`demo: is port ${port} in use (\`npm run dev\`)? Pick another with DEMO_PORT=<port>.`);
      process.exitCode = 1;
      return;
    }
    cleanups.push(() => worker.dispose());
    // Miniflare installs Ctrl-C handlers that kill workerd and exit at once. The demo stops
    // the worker itself (worker.dispose above) after deleting its workspace and printing the
    // summary, so it keeps only its own handlers; miniflare's exit hook still runs on exit.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      for (const listener of process.listeners(signal)) if (listener !== onSignal) process.off(signal, listener);
    }
    const url = worker.url.replace("//127.0.0.1:", "//localhost:");
    const client = new RelayClient({ url: worker.url, adminToken: token });

    const healthy = await healthyReceiver();
    const flaky = await flakyReceiver(0.3);
    const app = await convexStyleReceiver();
    const receivers: [string, DemoReceiver][] = [["healthy", healthy], ["flaky", flaky], ["convex-app", app]];
    cleanups.push(() => Promise.all(receivers.map(([, r]) => r.close())));

    // A fresh workspace each run; deleted at the end so no subscriber outlives its receiver.
    await client.deleteWorkspace(WORKSPACE).catch((error: unknown) => {
      if (!(error instanceof RelayApiError && error.code === "workspace_not_found")) throw error;
    });
    const created = await client.putWorkspace(WORKSPACE);
    if (!created.created) throw new Error("the demo workspace already existed");
    const ingressSecret = created.value.ingressSecret;
    cleanups.unshift(() => client.deleteWorkspace(WORKSPACE).catch(() => undefined));

    await client.putSubscriber(WORKSPACE, "healthy", { kind: "webhook", url: healthy.url });
    await client.putSubscriber(WORKSPACE, "flaky", { kind: "webhook", url: flaky.url });
    const appSubscriber = await client.putSubscriber(WORKSPACE, "convex-app", { kind: "convex", url: app.url, onExhausted: "pause" });
    if (appSubscriber.created) app.setSecret(appSubscriber.value.secret);

    log();
    log(`Relay:       ${url}  (workspace "${WORKSPACE}")`);
    for (const [name, receiver] of receivers) log(`Subscriber:  ${name.padEnd(11)} ${receiver.url}`);
    log("             healthy answers 200; flaky fails ~30 % (500, or 503 with Retry-After); convex-app verifies signatures and applies events");
    log();
    log(`Console:     ${url}/console`);
    log(ownToken ? `Log in with the admin token ${token}  (valid while this demo runs)` : "Log in with your RELAY_ADMIN_TOKEN.");
    log("Follow the events from another terminal:");
    log(`  RELAY_URL=${url} RELAY_ADMIN_TOKEN=${ownToken ? token : '"$RELAY_ADMIN_TOKEN"'} npx relay events tail -w ${WORKSPACE} --follow`);
    log(`  (and: npx relay subscribers list -w ${WORKSPACE}, npx relay subscribers attempts flaky -w ${WORKSPACE})`);
    log();
    log(`Sending task-app events for ${seconds} s; Ctrl-C stops earlier.`);

    const traffic = new TaskAppTraffic();
    let sent = 0;
    const deadline = Date.now() + seconds * 1000;
    let nextProgress = Date.now() + PROGRESS_EVERY_MS;
    while (!stopping && Date.now() < deadline) {
      const batch = traffic.batch();
      try {
        sent += (await client.ingest(WORKSPACE, ingressSecret, batch)).results.length;
      } catch (error) {
        if (!(error instanceof RelayApiError && error.retryAfterSeconds !== null)) throw error;
        await sleep(error.retryAfterSeconds * 1000);
      }
      if (Date.now() >= nextProgress) {
        nextProgress += PROGRESS_EVERY_MS;
        log(`  sent ${sent} events · ${lagLine(await client.listSubscribers(WORKSPACE))}`);
      }
      await sleep(SEND_EVERY_MS);
    }

    if (!stopping) {
      log(`Sent ${sent} events; waiting up to ${DRAIN_MS / 1000} s for the subscribers to catch up…`);
      const drainUntil = Date.now() + DRAIN_MS;
      while (!stopping && Date.now() < drainUntil) {
        const subscribers = await client.listSubscribers(WORKSPACE);
        if (subscribers.every((s) => s.lag === 0)) break;
        await sleep(500);
      }
    }
    log();
    log(`Final:       ${lagLine(await client.listSubscribers(WORKSPACE))}`);
    log(`healthy:     received ${healthy.events} events in ${healthy.requests} requests`);
    log(`flaky:       received ${flaky.events} events; failed ${flaky.failures} of ${flaky.requests} requests, each retried`);
    log(
      `convex-app:  applied ${app.events} events up to version ${app.tables.appliedVersion} (${app.tables.users.size} users, ${app.tables.tasks.size} tasks); ` +
        `${app.tables.badSignatures} bad signatures, ${app.tables.gaps} gaps`,
    );
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    log("Demo stopped; the relay and the receivers are shut down.");
  }
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
