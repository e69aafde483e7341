import { ErrorBody } from "../../src/contract/errors.ts";
import { ReadResponse } from "../../src/contract/event.ts";

/** An HTTP answer from the relay that was not a success. */
export class RelayHttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(`relay answered ${status} ${code}: ${message}`);
    this.name = "RelayHttpError";
    this.status = status;
    this.code = code;
  }

  /**
   * Errors that retrying cannot fix: bad credentials, a workspace that does not exist, a
   * request the relay refuses. 408, 429 and 5xx are worth another try.
   */
  get fatal(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
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
  if (parsed?.success) return new RelayHttpError(res.status, parsed.data.error.code, parsed.data.error.message);
  return new RelayHttpError(res.status, "http_error", text.slice(0, 200) || res.statusText);
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
  const res = await conn.fetch(url, { headers: { authorization: `Bearer ${conn.readKey}` }, signal });
  if (!res.ok) throw await relayError(res);
  return ReadResponse.parse(await res.json());
}
