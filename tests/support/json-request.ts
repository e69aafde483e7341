/**
 * How the tests call the relay's JSON API, for any runtime (workerd's `SELF.fetch` or Node's
 * `fetch`): the admin token unless told otherwise, and a JSON body.
 */
export type JsonInit = {
  method?: string;
  /** Sent as is when a string, JSON-encoded otherwise. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The bearer token to send instead of the admin token; `null` sends no Authorization header. */
  token?: string | null;
};

export function jsonRequestInit(init: JsonInit, adminToken: string): RequestInit & { headers: Record<string, string> } {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? adminToken : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  return { method: init.method ?? "GET", headers, body };
}
