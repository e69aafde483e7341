import type { Behaviour } from "./receivers.ts";

/**
 * How the chaos run's receivers answer. Random choices come from a seeded generator, so a
 * run's faults can be replayed (the relay's timing still varies).
 */

export const healthy: Behaviour = (_receipt, res) => res.writeHead(200).end("ok");

const later = (ms: number, then: () => void) => new Promise<void>((resolve) => setTimeout(() => (then(), resolve()), ms));

/**
 * About 20 % of requests fail: 15 % answer 500 and 5 % drop the connection without an answer.
 * Of the rest, 8 % answer 200 slowly (1-5 s) and 1 % only after 16 s, past the relay's 15 s
 * timeout, so the relay sees a failure the receiver thinks it accepted.
 */
export function flaky(random: () => number): Behaviour {
  return (_receipt, res) => {
    const roll = random();
    if (roll < 0.15) return res.writeHead(500).end("flaky");
    if (roll < 0.2) return res.destroy();
    if (roll < 0.28) return later(1_000 + Math.floor(random() * 4_000), () => res.writeHead(200).end("slow ok"));
    if (roll < 0.29) return later(16_000, () => res.writeHead(200).end("too late"));
    return res.writeHead(200).end("ok");
  };
}

/** About 25 % of requests are pushed back: 15 % with 429 and Retry-After 1, 10 % with 503 and Retry-After 2. */
export function pushesBack(random: () => number): Behaviour {
  return (_receipt, res) => {
    const roll = random();
    // setHeader, not writeHead's headers: the receiver reads Retry-After back to check the relay.
    if (roll < 0.15) return res.setHeader("retry-after", "1").writeHead(429).end("slow down");
    if (roll < 0.25) return res.setHeader("retry-after", "2").writeHead(503).end("busy");
    return res.writeHead(200).end("ok");
  };
}
