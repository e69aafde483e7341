import { ErrorBody } from "../../src/contract/errors.ts";
import { ReadResponse } from "../../src/contract/event.ts";
import { parseRetryAfter } from "../../src/contract/retry-after.ts";

/** An HTTP answer from the relay that was not a success. */
export class RelayHttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds the relay asked to wait before the next try (its `Retry-After`), if it said. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(`relay answered ${status} ${code}: ${message}`);
    this.name = "RelayHttpError";
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * The relay is shedding load and said when to come back (`429 rate_limited` or
   * `503 overloaded` with `Retry-After`, contract §9): not a failure of the request.
   */
  get throttled(): boolean {
    return (this.status === 429 || this.status === 503) && this.retryAfterSeconds !== null;
  }

  /**
   * Errors that retrying cannot fix: bad credentials, a workspace that does not exist, a
   * request the relay refuses. 408, 429 and 5xx are worth another try.
   */
  get fatal(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

/**
 * The relay could not be reached at all (a wrong URL, DNS, a refused connection, TLS): what
 * Node's fetch reports as a bare "fetch failed", with the relay named and the cause kept.
 */
export class RelayUnreachableError extends Error {
  /** The relay URL as configured. */
  readonly relayUrl: string;

  constructor(relayUrl: string, cause: unknown) {
    const detail = networkDetail(cause);
    super(
      `could not reach the relay at ${relayUrl}${detail ? ` (${detail})` : ""}: ` +
        "check relayUrl, and that the relay is running and reachable from this machine",
      { cause },
    );
    this.name = "RelayUnreachableError";
    this.relayUrl = relayUrl;
  }
}

/** The system error under fetch's TypeError, e.g. "ECONNREFUSED" or "ENOTFOUND". */
function networkDetail(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (!(current.cause instanceof Error)) return current.message;
    current = current.cause;
  }
  return undefined;
}

/**
 * Whether `fetch` failed on the network rather than on its arguments: Node's fetch rejects with
 * `TypeError("fetch failed")` whose `cause` is the system error; other fetches reject with the
 * system error itself (it has a `code`). A TypeError without a cause is a request fetch refused
 * to make, which no relay address would fix.
 */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TypeError) return error.cause !== undefined;
  return typeof (error as { code?: unknown }).code === "string";
}

/**
 * `fetch` to the relay at `relayUrl`; a network failure becomes a `RelayUnreachableError`. An
 * aborted request keeps its AbortError, which callers treat as a stop, not a failure.
 */
export async function fetchRelay(
  doFetch: typeof fetch,
  relayUrl: string,
  url: URL,
  init: RequestInit,
): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (error) {
    if (init.signal?.aborted || !isNetworkFailure(error)) throw error;
    throw new RelayUnreachableError(relayUrl, error);
  }
}

export async function relayError(res: Response): Promise<RelayHttpError> {
  const text = await res.text().catch(() => "");
  let parsed: ReturnType<typeof ErrorBody.safeParse> | undefined;
  try {
    parsed = ErrorBody.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"), Date.now());
  if (parsed?.success) return new RelayHttpError(res.status, parsed.data.error.code, parsed.data.error.message, retryAfter);
  return new RelayHttpError(res.status, "http_error", text.slice(0, 200) || res.statusText, retryAfter);
}

export type ReadConnection = {
  relayUrl: string;
  workspaceId: string;
  readKey: string;
  fetch: typeof fetch;
};

export function workspaceUrl(conn: Pick<ReadConnection, "relayUrl" | "workspaceId">, suffix: string): URL {
  return new URL(`/v1/workspaces/${encodeURIComponent(conn.workspaceId)}${suffix}`, conn.relayUrl);
}

/** One page of the log (contract §3), validated against the contract's schema. */
export async function readEvents(
  conn: ReadConnection,
  query: { after: number; limit: number; waitSeconds?: number },
  signal?: AbortSignal,
): Promise<ReadResponse> {
  const url = workspaceUrl(conn, "/events");
  url.searchParams.set("after", String(query.after));
  url.searchParams.set("limit", String(query.limit));
  if (query.waitSeconds) url.searchParams.set("wait", String(query.waitSeconds));
  const res = await fetchRelay(conn.fetch, conn.relayUrl, url, {
    headers: { authorization: `Bearer ${conn.readKey}` },
    signal,
  });
  if (!res.ok) throw await relayError(res);
  return ReadResponse.parse(await res.json());
}
