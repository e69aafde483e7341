import type { Context } from "hono";
import type { ErrorBody } from "../contract/errors";
import type { AppEnv } from "../http/app-env";

/** How the console reaches the relay's own HTTP API: in process, never over the network. */
export type ApiFetch = (request: Request, env: Env, ctx: ExecutionContext | undefined) => Response | Promise<Response>;

/** An API call that did not succeed, with the API's own words for why. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function executionContextOf<E extends AppEnv>(c: Context<E>): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}

/**
 * Calls the operator API as the admin. The admin token is read from `env` here, on the server,
 * and goes no further than this in-process request: it never reaches the browser.
 */
export function relayApi<E extends AppEnv>(c: Context<E>, apiFetch: ApiFetch) {
  const origin = new URL(c.req.url).origin;
  const request = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    new Request(`${origin}${path}`, {
      method,
      headers: {
        ...init.headers,
        authorization: `Bearer ${c.env.RELAY_ADMIN_TOKEN}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await apiFetch(request(method, path, { body }), c.env, executionContextOf(c));
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = (parsed as Partial<ErrorBody> | null)?.error;
      // "body is invalid" says little alone: the issues say which field and why.
      const issues = error?.issues?.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
      const message = error?.message ?? `the relay answered ${res.status}`;
      throw new ConsoleApiError(res.status, error?.code ?? "internal", issues ? `${message} (${issues})` : message);
    }
    return parsed as T;
  }

  return {
    get: <T>(path: string) => call<T>("GET", path),
    post: <T>(path: string, body?: unknown) => call<T>("POST", path, body ?? {}),
    delete: (path: string) => call<null>("DELETE", path),
    /** Forwards a WebSocket upgrade to the API as the admin; the answer is the socket itself. */
    upgrade: (path: string) =>
      apiFetch(request("GET", path, { headers: { upgrade: "websocket" } }), c.env, executionContextOf(c)),
  };
}

export type RelayApi = ReturnType<typeof relayApi>;

/** A path segment, escaped. */
export const seg = (value: string | number) => encodeURIComponent(String(value));
