import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { signedHeaders } from "../../src/signing/standard-webhooks";

// Set before wrangler reads them: no telemetry, no download of the Request.cf object.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

export const ADMIN_TOKEN = "e2e-admin-token";
// wrangler checks `[secrets] required` against the environment before bindings apply.
process.env.RELAY_ADMIN_TOKEN ??= ADMIN_TOKEN;
const CONFIG_PATH = resolve(import.meta.dirname, "../../wrangler.toml");

export type LocalRelay = {
  url: string;
  persistDir: string;
  /** Stops the relay; the state directory is kept when it was given by the caller. */
  stop(): Promise<void>;
};

/**
 * Starts the relay from the repository's wrangler.toml as `wrangler dev` would (local
 * Durable Objects, queues and storage in `persistDir`), on a free port of 127.0.0.1, with the
 * inspector off. Vars override wrangler.toml.
 */
export async function startRelay(options: { persistDir?: string; vars?: Record<string, string> } = {}): Promise<LocalRelay> {
  const { unstable_startWorker } = await import("wrangler");
  const ownsDir = !options.persistDir;
  const persistDir = options.persistDir ?? (await mkdtemp(join(tmpdir(), "relay-e2e-")));
  const vars: Record<string, string> = {
    RELAY_ADMIN_TOKEN: ADMIN_TOKEN,
    RELAY_ALLOW_INSECURE_DESTINATIONS: "true",
    ...options.vars,
  };
  const worker = await unstable_startWorker({
    config: CONFIG_PATH,
    bindings: Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
    ),
    dev: {
      inspector: false,
      persist: persistDir,
      watch: false,
      logLevel: "warn",
      server: { hostname: "127.0.0.1", port: 0 },
    },
  });
  await worker.ready;
  const url = (await worker.url).origin;
  return {
    url,
    persistDir,
    async stop() {
      await worker.dispose();
      if (ownsDir) await rm(persistDir, { recursive: true, force: true });
    },
  };
}

/** A small admin client for a local relay. */
export function relayClient(baseUrl: string, adminToken = ADMIN_TOKEN) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    async createWorkspace(workspaceId: string): Promise<string> {
      const res = await call("PUT", `/v1/workspaces/${workspaceId}`, {});
      if (res.status !== 201) throw new Error(`create workspace: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.ingressSecret as string;
    },
    /** Sends events signed with `secret`; throws unless the relay answers 200. */
    async ingest(workspaceId: string, secret: string, events: unknown[]) {
      const body = JSON.stringify({ events });
      const headers = await signedHeaders({
        id: `ingest_${crypto.randomUUID()}`,
        timestampSeconds: Math.floor(Date.now() / 1000),
        body,
        secrets: [secret],
      });
      const res = await fetch(`${baseUrl}/v1/workspaces/${workspaceId}/events`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
      });
      const json = await res.json();
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${JSON.stringify(json)}`);
      return json as { results: { id: string; version: number; duplicate: boolean }[]; head: number };
    },
  };
}

/** Polls `check` until it returns a truthy value (so never undefined) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 60_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A contract event with sensible defaults. */
export function makeEvent(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    entityKind: "user",
    entityId: `u_${id}`,
    eventType: "update",
    payload: { n: id },
    source: { origin: "app-a" },
    emittedAt: Date.now(),
    ...overrides,
  };
}
