import { isDeepStrictEqual } from "node:util";
import type { LoggedEvent, SubscriberStatus } from "./admin.ts";
import type { Receipt } from "./receivers.ts";
import type { IngestRecord } from "./sources.ts";

export type Check = { name: string; ok: boolean; detail: string };

/** One subscriber as the checks see it: what it asked for and what reached its receiver. */
export type ObservedSubscriber = {
  id: string;
  receipts: Receipt[];
  matches(event: LoggedEvent): boolean;
  eventsPerSecond?: number;
};

type Delivery = { workspaceId: string; subscriberId: string; prevVersion: number; events: LoggedEvent[] };
type Alert = { id: string; type: string; at: number; workspaceId: string; subscriberId: string; data: unknown };

const WINDOW_MS = 10_000;
/** A kill this long before a window may still have requests on the wire into it. */
const KILL_MARGIN_MS = 1_000;
/** Clocks: the relay's Retry-After timer and the receiver's clock are the same machine's. */
const RETRY_AFTER_TOLERANCE_MS = 250;

const check = (name: string, problems: string[], okDetail: string): Check => ({
  name,
  ok: problems.length === 0,
  detail: problems.length === 0 ? okDetail : `${problems.length} problem(s): ${problems.slice(0, 5).join("; ")}`,
});

/** No acknowledged event lost or doubled: the log holds each sent id once, at its acknowledged version. */
export function checkLog(log: LoggedEvent[], ingest: IngestRecord): Check[] {
  const problems: string[] = [];
  const byId = new Map<string, LoggedEvent>();
  let previous = 0;
  for (const event of log) {
    if (byId.has(event.id)) problems.push(`${event.id} is in the log twice (v${byId.get(event.id)!.version}, v${event.version})`);
    byId.set(event.id, event);
    if (event.version <= previous) problems.push(`v${event.version} follows v${previous}`);
    previous = event.version;
    if (!ingest.sent.has(event.id)) problems.push(`${event.id} is in the log but was never sent`);
  }
  for (const id of ingest.sent) {
    const versions = ingest.acks.get(id);
    if (!versions) {
      problems.push(`${id} was never acknowledged`);
      continue;
    }
    if (new Set(versions).size !== 1) problems.push(`${id} was acknowledged at versions ${versions.join(", ")}`);
    const logged = byId.get(id);
    if (!logged) problems.push(`${id} was acknowledged at v${versions[0]} but is not in the log`);
    else if (logged.version !== versions[0]) problems.push(`${id} was acknowledged at v${versions[0]} but is logged at v${logged.version}`);
  }
  return [
    check("log: every acknowledged event once, at its version", problems, `${log.length} events, ${ingest.sent.size} ids sent, all acknowledged and logged once`),
    check(
      "ingest: only 200, 429 and 503 answers",
      ingest.unexpected.map((u) => `${u.status} ${u.body}`),
      `${ingest.rateLimited} × 429, ${ingest.overloaded} × 503, ${ingest.networkErrors} network errors, all retried`,
    ),
  ];
}

function parseDelivery(receipt: Receipt): Delivery | string {
  try {
    const body = JSON.parse(receipt.body) as Delivery;
    if (!Array.isArray(body.events) || body.events.length === 0 || typeof body.prevVersion !== "number") return "not a delivery body";
    const h = receipt.headers;
    if (Number(h["x-relay-prev-version"]) !== body.prevVersion) return `x-relay-prev-version ${h["x-relay-prev-version"]} ≠ prevVersion ${body.prevVersion}`;
    if (Number(h["x-relay-first-version"]) !== body.events[0]!.version) return "x-relay-first-version does not match the body";
    if (Number(h["x-relay-last-version"]) !== body.events.at(-1)!.version) return "x-relay-last-version does not match the body";
    return body;
  } catch (error) {
    return `unparseable body: ${String(error)}`;
  }
}

/** Delivery guarantees for one subscriber, from what its receiver recorded. */
export function checkSubscriber(sub: ObservedSubscriber, workspaceId: string, log: LoggedEvent[], kills: number[]): Check[] {
  const label = (what: string) => `${sub.id}: ${what}`;
  const expected = log.filter((e) => sub.matches(e));
  const logByVersion = new Map(log.map((e) => [e.version, e]));

  const signatureProblems: string[] = [];
  const shapeProblems: string[] = [];
  const deliveries: { receipt: Receipt; body: Delivery }[] = [];
  for (const receipt of sub.receipts) {
    if (receipt.verifyError) signatureProblems.push(`${receipt.headers["webhook-id"]}: ${receipt.verifyError}`);
    const body = parseDelivery(receipt);
    if (typeof body === "string") shapeProblems.push(`${receipt.headers["webhook-id"]}: ${body}`);
    else if (body.workspaceId !== workspaceId || body.subscriberId !== sub.id) shapeProblems.push(`addressed to ${body.workspaceId}/${body.subscriberId}`);
    else deliveries.push({ receipt, body });
  }

  // Batches by webhook-id, in the order of their first receipt; a retry must repeat the body.
  const batches = new Map<string, { body: Delivery; raw: string }>();
  const retryProblems: string[] = [];
  for (const { receipt, body } of deliveries) {
    const id = receipt.headers["webhook-id"]!;
    const first = batches.get(id);
    if (!first) batches.set(id, { body, raw: receipt.body });
    else if (first.raw !== receipt.body) retryProblems.push(`${id} was re-sent with a different body`);
  }

  // First receipts strictly increase; a version seen again must come under its first webhook-id.
  const orderProblems: string[] = [];
  const firstBatchOf = new Map<number, string>();
  let highest = 0;
  for (const { receipt, body } of deliveries) {
    const id = receipt.headers["webhook-id"]!;
    for (const event of body.events) {
      const firstId = firstBatchOf.get(event.version);
      if (firstId === undefined) {
        if (event.version <= highest) orderProblems.push(`v${event.version} first arrived after v${highest}`);
        highest = Math.max(highest, event.version);
        firstBatchOf.set(event.version, id);
      } else if (firstId !== id) {
        retryProblems.push(`v${event.version} came again under ${id}, first under ${firstId}`);
      }
    }
  }

  // The prevVersion chain: each new batch continues where the previous one ended, and holds
  // exactly the matching events of the log after its prevVersion, as the log has them.
  const chainProblems: string[] = [];
  let position = 0;
  const matchingAfter = (after: number) => expected.filter((e) => e.version > after);
  for (const [id, { body }] of batches) {
    if (body.prevVersion !== position) chainProblems.push(`${id}: prevVersion ${body.prevVersion}, expected ${position}`);
    const want = matchingAfter(body.prevVersion).slice(0, body.events.length);
    body.events.forEach((event, i) => {
      if (!isDeepStrictEqual(event, want[i])) chainProblems.push(`${id}: event ${i} is v${event.version} ${event.id}, the log says v${want[i]?.version} ${want[i]?.id}`);
      else if (!isDeepStrictEqual(event, logByVersion.get(event.version))) chainProblems.push(`${id}: v${event.version} differs from the log`);
    });
    position = body.events.at(-1)!.version;
  }

  const received = new Set(firstBatchOf.keys());
  const missing = expected.filter((e) => !received.has(e.version));
  const unexpected = [...received].filter((v) => !logByVersion.has(v) || !sub.matches(logByVersion.get(v)!));

  const checks = [
    check(label("every delivery verifies"), signatureProblems, `${sub.receipts.length} requests verified with standardwebhooks`),
    check(label("delivery bodies and headers"), shapeProblems, "all well formed"),
    check(label("every matching event arrives"), [
      ...missing.slice(0, 5).map((e) => `v${e.version} ${e.id} never arrived`),
      ...(missing.length > 5 ? [`…${missing.length} missing in all`] : []),
      ...unexpected.map((v) => `v${v} does not match the filter`),
    ], `${expected.length} of ${expected.length}`),
    check(label("first receipts strictly increase"), orderProblems, `${received.size} first receipts in order`),
    check(label("prevVersion chain has no gap"), chainProblems, `${batches.size} batches chained`),
    check(label("re-sends repeat webhook-id and body"), retryProblems, `${sub.receipts.length - batches.size} re-sends, all identical`),
  ];
  if (sub.eventsPerSecond !== undefined) checks.push(checkRateLimit(sub, deliveries, kills));
  return checks;
}

/**
 * The most events that arrived in any 10 s, over all windows and over those no kill touches;
 * and, to tell the relay from the transport when the limit is missed, the most that were
 * signed (webhook-timestamp, whole seconds) in any 10 s, and how late the latest request of
 * the worst window arrived after the end of the second it was signed in.
 */
export function rateWindows(deliveries: { receipt: Receipt; body: Delivery }[], kills: number[]) {
  const points = deliveries
    .map((d) => ({ at: d.receipt.at, signedAt: Number(d.receipt.headers["webhook-timestamp"]), count: d.body.events.length }))
    .sort((a, b) => a.at - b.at);
  let most = 0;
  let mostSound = 0;
  let worstLatenessMs = 0;
  for (const start of points) {
    const inWindow = points.filter((p) => p.at >= start.at && p.at < start.at + WINDOW_MS);
    const count = inWindow.reduce((sum, p) => sum + p.count, 0);
    most = Math.max(most, count);
    const touchedByKill = kills.some((k) => k >= start.at - KILL_MARGIN_MS && k < start.at + WINDOW_MS);
    if (!touchedByKill && count > mostSound) {
      mostSound = count;
      worstLatenessMs = Math.max(...inWindow.map((p) => p.at - (p.signedAt + 1) * 1000));
    }
  }
  let mostSigned = 0;
  for (const start of points) {
    const signed = points.filter((p) => p.signedAt >= start.signedAt && p.signedAt < start.signedAt + WINDOW_MS / 1000);
    mostSigned = Math.max(mostSigned, signed.reduce((sum, p) => sum + p.count, 0));
  }
  return { most, mostSound, mostSigned, worstLatenessMs };
}

/**
 * The limit holds at the receiver, counting every event that arrived (re-sends included) in
 * every 10 s window. The relay keeps its pacing record in memory, so a window that contains a
 * kill is held to the bound that design gives instead: one window's worth before the kill and
 * one after it (the watchdog's re-send of the batch cut off counts in the latter).
 */
function checkRateLimit(sub: ObservedSubscriber, deliveries: { receipt: Receipt; body: Delivery }[], kills: number[]): Check {
  const perSecond = sub.eventsPerSecond!;
  const cap = perSecond * (WINDOW_MS / 1000);
  const acrossKillCap = 2 * cap;
  const { most, mostSound, mostSigned, worstLatenessMs } = rateWindows(deliveries, kills);
  const problems: string[] = [];
  if (mostSound > cap) {
    problems.push(
      `${mostSound} events in a 10 s window without a kill (limit ${cap}); at most ${mostSigned} were signed in any 10 s, ` +
        `and a request of that window arrived at least ${worstLatenessMs} ms after the second it was signed in ended`,
    );
  }
  if (most > acrossKillCap) problems.push(`${most} events in a 10 s window across a kill (bound ${acrossKillCap})`);
  return check(
    `${sub.id}: at most ${perSecond} events/s in any 10 s at the receiver`,
    problems,
    `at most ${mostSound} per 10 s between kills (limit ${cap}); ${most} in a window holding a kill (bound ${acrossKillCap})`,
  );
}

/** A 429 or 503 with Retry-After holds the next attempt of that batch back at least that long. */
export function checkRetryAfter(sub: ObservedSubscriber, kills: number[]): Check {
  const problems: string[] = [];
  let honoured = 0;
  sub.receipts.forEach((receipt, i) => {
    if (receipt.retryAfterSeconds === undefined) return;
    const id = receipt.headers["webhook-id"];
    const next = sub.receipts.slice(i + 1).find((r) => r.headers["webhook-id"] === id);
    if (!next || kills.some((k) => k >= receipt.at && k <= next.at)) return;
    const waited = next.at - receipt.at;
    if (waited + RETRY_AFTER_TOLERANCE_MS < receipt.retryAfterSeconds * 1000) {
      problems.push(`${id}: re-sent ${waited} ms after Retry-After ${receipt.retryAfterSeconds}`);
    } else honoured++;
  });
  const pushedBack = sub.receipts.filter((r) => r.retryAfterSeconds !== undefined).length;
  if (pushedBack > 0 && honoured === 0) problems.push(`${pushedBack} answers carried Retry-After, but no re-send could be measured`);
  return check(`${sub.id}: Retry-After honoured`, problems, `${honoured} of ${pushedBack} pushed-back attempts measured, each waited at least Retry-After`);
}

export type AlertExpectations = {
  /** Subscribers whose alerts are certain in this scenario, with their exact sequence. */
  exact: Record<string, string[]>;
  /** Alert types that nothing in the scenario can cause. */
  impossible: string[];
};

/** Alerts: verified, one per transition (re-sends repeat the id and body), as expected. */
export function checkAlerts(receipts: Receipt[], workspaceId: string, expectations: AlertExpectations): { checks: Check[]; alerts: Alert[] } {
  const verifyProblems: string[] = [];
  const retryProblems: string[] = [];
  const byId = new Map<string, { alert: Alert; raw: string }>();
  for (const receipt of receipts) {
    if (receipt.verifyError) verifyProblems.push(`${receipt.headers["webhook-id"]}: ${receipt.verifyError}`);
    let alert: Alert;
    try {
      alert = JSON.parse(receipt.body) as Alert;
    } catch {
      verifyProblems.push(`unparseable alert body`);
      continue;
    }
    if (receipt.headers["webhook-id"] !== alert.id) retryProblems.push(`webhook-id ${receipt.headers["webhook-id"]} ≠ alert id ${alert.id}`);
    if (alert.workspaceId !== workspaceId) retryProblems.push(`${alert.id} is for workspace ${alert.workspaceId}`);
    const seen = byId.get(alert.id);
    if (seen && seen.raw !== receipt.body) retryProblems.push(`${alert.id} was re-sent with a different body`);
    if (!seen) byId.set(alert.id, { alert, raw: receipt.body });
  }
  const alerts = [...byId.values()].map((a) => a.alert).sort((a, b) => a.at - b.at);
  const bySubscriber = new Map<string, string[]>();
  for (const alert of alerts) bySubscriber.set(alert.subscriberId, [...(bySubscriber.get(alert.subscriberId) ?? []), alert.type]);

  const exactProblems: string[] = [];
  for (const [subscriberId, types] of Object.entries(expectations.exact)) {
    const got = bySubscriber.get(subscriberId) ?? [];
    if (!isDeepStrictEqual(got, types)) exactProblems.push(`${subscriberId}: got [${got.join(", ")}], expected [${types.join(", ")}]`);
  }
  // Elsewhere failing and recovered alternate, and end recovered once everything is delivered.
  const consistencyProblems: string[] = [];
  for (const [subscriberId, types] of bySubscriber) {
    for (const type of types) if (expectations.impossible.includes(type)) consistencyProblems.push(`${subscriberId}: ${type}`);
    const transitions = types.filter((t) => t === "subscriber.failing" || t === "subscriber.recovered");
    transitions.forEach((type, i) => {
      const want = i % 2 === 0 ? "subscriber.failing" : "subscriber.recovered";
      if (type !== want) consistencyProblems.push(`${subscriberId}: ${type} where ${want} was due`);
    });
    if (transitions.length % 2 === 1) consistencyProblems.push(`${subscriberId}: failing with no recovered after it`);
  }
  const counts = [...bySubscriber].map(([s, types]) => `${s} [${types.join(", ")}]`).join("; ");
  return {
    alerts,
    checks: [
      check("alerts: every alert verifies", verifyProblems, `${receipts.length} requests verified with standardwebhooks`),
      check("alerts: re-sends repeat webhook-id (= alert id) and body", retryProblems, `${alerts.length} alerts, ${receipts.length - alerts.length} re-sends`),
      check("alerts: the certain transitions, exactly once each", exactProblems, Object.entries(expectations.exact).map(([s, t]) => `${s} [${t.join(", ")}]`).join("; ")),
      check("alerts: every recovered follows a failing, nothing impossible", consistencyProblems, counts || "none"),
    ],
  };
}

/** After the drain: nothing in flight, nothing behind, nothing dead-lettered or disabled. */
export function checkFinalState(statuses: SubscriberStatus[], deadLetters: unknown[]): Check {
  const problems = statuses
    .filter((s) => s.state !== "active" || s.lag !== 0 || s.inFlight !== null || s.cursor !== s.head || s.deadLetterCount !== 0)
    .map((s) => `${s.id}: ${s.state}, cursor ${s.cursor}/${s.head}, lag ${s.lag}, inFlight ${JSON.stringify(s.inFlight)}`);
  if (deadLetters.length) problems.push(`${deadLetters.length} dead letters`);
  return check("relay: every subscriber active, caught up, no dead letter", problems, `${statuses.length} subscribers at the head`);
}
