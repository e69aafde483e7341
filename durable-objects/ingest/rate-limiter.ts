/**
 * The per-workspace cap on signed ingest requests (contract §9, `RELAY_INGEST_REQUESTS_PER_MINUTE`).
 *
 * Why here and not Cloudflare's Rate Limiting binding: every ingest request of a workspace
 * already passes through its one Durable Object, which serves requests one at a time, so a
 * counter here is exact and costs nothing (no extra hop, no storage). The binding counts per
 * Cloudflare location and is eventually consistent, so a source sending from several locations
 * could exceed the cap, and it only offers 10 s or 60 s periods.
 *
 * The window slides by whole seconds: one counter per second of the last 60, so no 60
 * consecutive seconds ever hold more than the cap (a fixed minute lets twice the cap through
 * across its boundary; a token bucket of a minute's capacity does too). It lives in memory: an
 * evicted object starts with an empty window, which lets a little more through after an
 * eviction, never less.
 */
const WINDOW_SECONDS = 60;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class IngestRateLimiter {
  /** Requests admitted in each second of the window, indexed by `second % WINDOW_SECONDS`. */
  private readonly perSecond = new Array<number>(WINDOW_SECONDS).fill(0);
  private inWindow = 0;
  private latestSecond: number | undefined;

  constructor(private readonly limitPerMinute: number) {}

  /** Counts one request at `nowMs` when it fits under the cap; otherwise says when to come back. */
  admit(nowMs: number): Admission {
    const second = Math.floor(nowMs / 1000);
    this.slideTo(second);
    if (this.inWindow + 1 > this.limitPerMinute) {
      return { ok: false, retryAfterSeconds: this.secondsUntilRoom(second) };
    }
    this.perSecond[this.slot(second)]!++;
    this.inWindow++;
    return { ok: true };
  }

  private slot(second: number): number {
    return ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
  }

  /** Empties the seconds that fell out of the window since the last request. */
  private slideTo(second: number): void {
    if (this.latestSecond === undefined) {
      this.latestSecond = second;
      return;
    }
    // A clock that steps back counts into the latest second: never into a freed one.
    const steps = Math.min(second - this.latestSecond, WINDOW_SECONDS);
    for (let i = 1; i <= steps; i++) {
      const slot = this.slot(this.latestSecond + i);
      this.inWindow -= this.perSecond[slot]!;
      this.perSecond[slot] = 0;
    }
    this.latestSecond = Math.max(this.latestSecond, second);
  }

  /** Whole seconds until enough of the oldest seconds leave the window for one more request. */
  private secondsUntilRoom(second: number): number {
    const latest = Math.max(second, this.latestSecond ?? second);
    const excess = this.inWindow + 1 - this.limitPerMinute;
    let freed = 0;
    for (let wait = 1; wait <= WINDOW_SECONDS; wait++) {
      // After `wait` seconds, the second `latest - WINDOW_SECONDS + wait` has left the window.
      freed += this.perSecond[this.slot(latest - WINDOW_SECONDS + wait)]!;
      if (freed >= excess) return wait;
    }
    return WINDOW_SECONDS;
  }
}
