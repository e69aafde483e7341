import type { RateLimit } from "../../src/contract/subscriber";
import type { Subscriber } from "./subscriber-store";

/**
 * Per-subscriber `rateLimit` (contract §9): never more than `eventsPerSecond` events a second,
 * averaged over any 10 s, in order and with one batch in flight.
 *
 * Two rules, both checked before a batch starts:
 * - pacing: a batch of k events holds the next one back k / eventsPerSecond seconds, and
 *   carries at most one second's worth of events, so a subscriber that is behind drains at
 *   its limit in small steady batches, not in bursts;
 * - a sliding window: the batches started in the last 10 s, plus a 1 s margin for how
 *   differently the network may carry two requests, hold at most 10 s worth of events. The
 *   margin makes the limit hold at the receiver, not only at the sender, at the price of
 *   draining at 10/11 of the limit when the window binds.
 *
 * The record lives in memory: after an eviction the window starts empty (pacing resumes at
 * once), so the limit can be exceeded by at most one window's worth across a restart.
 */
const WINDOW_MS = 10_000;
const MARGIN_MS = 1_000;

export type Allowance = { ok: true; maxEvents: number } | { ok: false; retryAt: number };

type Sent = { at: number; count: number };

export class DeliveryPacer {
  private readonly sent = new Map<string, Sent[]>();

  /** How many events `subscriberId` may be sent in a batch starting now, or when to ask again. */
  allowance(subscriberId: string, limit: RateLimit, now: number): Allowance {
    const perSecond = limit.eventsPerSecond;
    const history = this.recent(subscriberId, now);
    const last = history.at(-1);
    if (last) {
      const pacedUntil = last.at + Math.ceil((last.count * 1000) / perSecond);
      if (pacedUntil > now) return { ok: false, retryAt: pacedUntil };
    }
    const windowCap = Math.max(1, Math.floor(perSecond * (WINDOW_MS / 1000)));
    const inWindowBatches = history.filter((s) => s.at > now - WINDOW_MS - MARGIN_MS);
    let inWindow = inWindowBatches.reduce((sum, s) => sum + s.count, 0);
    if (inWindow >= windowCap) {
      // Room opens as the oldest batches leave the window.
      for (const s of inWindowBatches) {
        inWindow -= s.count;
        if (inWindow < windowCap) return { ok: false, retryAt: s.at + WINDOW_MS + MARGIN_MS };
      }
    }
    const perBatch = Math.max(1, Math.floor(perSecond));
    return { ok: true, maxEvents: Math.min(perBatch, windowCap - inWindow) };
  }

  /** Notes that a batch of `count` events started at `now`. */
  record(subscriberId: string, count: number, now: number): void {
    const history = this.recent(subscriberId, now);
    history.push({ at: now, count });
    this.sent.set(subscriberId, history);
  }

  /** The batches still in the window, and always the latest one: pacing measures from it. */
  private recent(subscriberId: string, now: number): Sent[] {
    const history = this.sent.get(subscriberId) ?? [];
    const stale = history.findIndex((s) => s.at > now - WINDOW_MS - MARGIN_MS);
    const dropped = stale < 0 ? history.length - 1 : stale;
    if (dropped <= 0) return history;
    const kept = history.slice(dropped);
    this.sent.set(subscriberId, kept);
    return kept;
  }
}

/** The rate limits as the dispatcher applies them, before every batch, retry and re-send. */
export interface Pacing {
  /** How many events `s` may be sent in a batch starting now, or when to ask again. */
  allowance(s: Pick<Subscriber, "id" | "rateLimit">, now: number): Allowance;
  /** Notes that a batch of `count` events to `s` started at `now`. */
  record(s: Pick<Subscriber, "id" | "rateLimit">, count: number, now: number): void;
}

export const UNLIMITED: Allowance = { ok: true, maxEvents: Number.POSITIVE_INFINITY };

/** Each subscriber's own `rateLimit`, kept by one DeliveryPacer; a subscriber without one passes. */
export function subscriberPacing(pacer = new DeliveryPacer()): Pacing {
  return {
    allowance: (s, now) => (s.rateLimit ? pacer.allowance(s.id, s.rateLimit, now) : UNLIMITED),
    record: (s, count, now) => {
      if (s.rateLimit) pacer.record(s.id, count, now);
    },
  };
}
