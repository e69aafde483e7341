import { Agent, request } from "node:http";
import { LatencyRecorder } from "./stats.ts";

/**
 * One HTTP request, fully built before timing starts so the client adds no work per request.
 * `content-length` is left out: node:http sets it from `body`, and `fetch` refuses it.
 */
export type PreparedRequest = {
  method: "GET" | "POST" | "PUT";
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
};

export type LoadOptions = {
  /** Base URL of the server, e.g. `http://127.0.0.1:8787/`. */
  baseUrl: URL;
  requests: readonly PreparedRequest[];
  /** Requests in flight at once, each on its own keep-alive connection. */
  concurrency: number;
  /** Stop issuing requests after this long, so a slow run still ends by itself. */
  maxDurationMs: number;
  /** Gives up on one request after this long; it counts as a failure. */
  requestTimeoutMs?: number;
};

export type LoadResult = {
  /** Requests that completed with a 2xx. */
  completed: number;
  /** Non-2xx responses and transport errors; the first few, for the report. */
  failed: number;
  failures: string[];
  /** True when `maxDurationMs` cut the run short. */
  timedOut: boolean;
  durationMs: number;
  /** 2xx completions per second over the whole run. */
  requestsPerSecond: number;
  latency: LatencyRecorder;
  /**
   * `performance.now()` at which each request (by index in `requests`) was sent, NaN if it
   * never was: lets a benchmark time what happens after a request, e.g. a delivery's receipt.
   */
  sentAt: Float64Array;
};

const MAX_FAILURES_KEPT = 5;

/**
 * Sends `requests` in order over `concurrency` connections, closed loop: each connection
 * sends the next unsent request as soon as its previous one has answered. Latency is
 * measured per answered request, from just before it is written until its response body
 * has been fully read.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latency = new LatencyRecorder();
  const failures: string[] = [];
  let next = 0;
  let completed = 0;
  let failed = 0;
  let timedOut = false;
  const sentAt = new Float64Array(options.requests.length).fill(Number.NaN);
  const started = performance.now();
  const deadline = started + options.maxDurationMs;

  const connectionLoop = async () => {
    while (next < options.requests.length) {
      if (performance.now() >= deadline) {
        timedOut = true;
        return;
      }
      const index = next++;
      sentAt[index] = performance.now();
      try {
        const status = await sendPrepared(agent, options.baseUrl, options.requests[index]!, options.requestTimeoutMs ?? 30_000);
        latency.record(performance.now() - sentAt[index]!);
        if (status.code >= 200 && status.code < 300) {
          completed++;
        } else {
          failed++;
          if (failures.length < MAX_FAILURES_KEPT) failures.push(`${status.code} ${status.body.slice(0, 300)}`);
        }
      } catch (error) {
        failed++;
        if (failures.length < MAX_FAILURES_KEPT) failures.push(String(error));
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, connectionLoop));
  } finally {
    agent.destroy();
  }
  const durationMs = performance.now() - started;
  return {
    completed,
    failed,
    failures,
    timedOut,
    durationMs,
    requestsPerSecond: completed / (durationMs / 1000),
    latency,
    sentAt,
  };
}

/**
 * Sends one request over `agent`; resolves with its status and, for errors only, its body
 * text. For benchmarks that time single requests themselves rather than run a load.
 */
export function sendPrepared(
  agent: Agent,
  baseUrl: URL,
  prepared: PreparedRequest,
  timeoutMs: number,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(prepared.path, baseUrl),
      { method: prepared.method, headers: prepared.headers, agent, timeout: timeoutMs },
      (res) => {
        const code = res.statusCode ?? 0;
        const ok = code >= 200 && code < 300;
        let body = "";
        if (!ok) res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        else res.resume(); // drain without buffering: only the timing matters
        res.on("end", () => resolve({ code, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(prepared.body); // one write with the whole body, so Node sends content-length, not chunks
  });
}
