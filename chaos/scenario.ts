import { seededRandom } from "../tests/support/seeded-random.ts";
import type { LoggedEvent } from "./admin.ts";
import { flaky, healthy, pushesBack } from "./behaviours.ts";
import type { Behaviour } from "./receivers.ts";

/** What the chaos run does, in one place: sizes, timings, relay settings and subscribers. */
export const WORKSPACE = "chaos";
export const ADMIN_TOKEN = "chaos-admin-token";

export const SOURCES = 8;
export const REQUESTS_PER_SOURCE = 50;
export const EVENTS_PER_REQUEST = 25;
/** Each source waits this long after an acknowledged request: the stream lasts about a minute. */
export const SOURCE_INTERVAL_MS = 1_200;
/** Requests from this index on wait for the second kill, so the stream is still flowing then. */
export const HOLD_FROM_REQUEST = 40;

/** Kills and the outage happen when this share of the events has been acknowledged. */
export const FIRST_KILL_AT = 0.2;
export const OUTAGE_AT = 0.3;
export const SECOND_KILL_AT = 0.7;
export const OUTAGE_MS = 30_000;

/** The whole run must end within this; every wait inside has its own, shorter deadline. */
export const RUN_DEADLINE_MS = 330_000;

export const RELAY_VARS = {
  RELAY_ADMIN_TOKEN: ADMIN_TOKEN,
  RELAY_ALLOW_INSECURE_DESTINATIONS: "true",
  // Short delays, whose last one repeats; a max age no batch reaches, so nothing is dead-lettered.
  RELAY_RETRY_SCHEDULE: "1,1,2,2,3,5",
  RELAY_RETRY_MAX_AGE_SECONDS: "3600",
  // Below the sources' pace (~6 requests/s), so the ingest limit answers 429 during the run.
  RELAY_INGEST_REQUESTS_PER_MINUTE: "200",
};

/** A seventh of the events are orders: the rate-limited subscriber gets those only. */
export const kindOf = (_source: number, n: number) => (n % 7 === 3 ? "order" : "user");

export type SubscriberPlan = {
  id: string;
  behaviourName: string;
  behaviour: Behaviour;
  config: Record<string, unknown>;
  matches(event: LoggedEvent): boolean;
  eventsPerSecond?: number;
};

const everything = () => true;
/** Below the pace at which orders come in (about 23/s), so the limit binds for most of the run. */
const LIMIT_PER_SECOND = 20;

export const SUBSCRIBERS: SubscriberPlan[] = [
  { id: "healthy", behaviourName: "answers 200", behaviour: healthy, config: {}, matches: everything },
  {
    id: "flaky",
    behaviourName: "15 % 500, 5 % dropped, 8 % slow, 1 % past the timeout",
    behaviour: flaky(seededRandom(11)),
    config: {},
    matches: everything,
  },
  {
    id: "pushback",
    behaviourName: "15 % 429 Retry-After 1, 10 % 503 Retry-After 2",
    behaviour: pushesBack(seededRandom(29)),
    config: {},
    matches: everything,
  },
  {
    id: "limited",
    behaviourName: `rateLimit ${LIMIT_PER_SECOND}/s, orders only`,
    behaviour: healthy,
    config: { filter: { entityKinds: ["order"] }, rateLimit: { eventsPerSecond: LIMIT_PER_SECOND } },
    matches: (e) => e.entityKind === "order",
    eventsPerSecond: LIMIT_PER_SECOND,
  },
  { id: "outage", behaviourName: `server down ${OUTAGE_MS / 1000} s, back on the same port`, behaviour: healthy, config: {}, matches: everything },
];

/** Alerts this scenario makes certain; anything else must at least be consistent. */
export const ALERT_EXPECTATIONS = {
  exact: {
    // Refused connections for 30 s: the 4th failed attempt comes after ~6 s of retries.
    outage: ["subscriber.failing", "subscriber.recovered"],
    healthy: [],
    limited: [],
  },
  // No batch reaches the max age and no subscriber fails for 120 h or answers 410.
  impossible: ["subscriber.paused", "subscriber.disabled", "dead_letter.created"],
};
