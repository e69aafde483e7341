import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalWorker } from "../../demo/local-relay";
import { RelayClient } from "../../src/client/relay-client";

export const ADMIN_TOKEN = "e2e-admin-token";

export type LocalRelay = {
  url: string;
  persistDir: string;
  /** Stops the relay; the state directory is kept when it was given by the caller. */
  stop(): Promise<void>;
};

/**
 * Starts the relay as `wrangler dev` would (see `startLocalWorker`), on a free port of
 * 127.0.0.1, with insecure (loopback) destinations allowed. Vars override wrangler.toml.
 */
export async function startRelay(options: { persistDir?: string; vars?: Record<string, string> } = {}): Promise<LocalRelay> {
  const ownsDir = !options.persistDir;
  const persistDir = options.persistDir ?? (await mkdtemp(join(tmpdir(), "relay-e2e-")));
  const worker = await startLocalWorker({
    persistDir,
    port: 0,
    vars: { RELAY_ADMIN_TOKEN: ADMIN_TOKEN, RELAY_ALLOW_INSECURE_DESTINATIONS: "true", ...options.vars },
  });
  return {
    url: worker.url,
    persistDir,
    async stop() {
      await worker.dispose();
      if (ownsDir) await rm(persistDir, { recursive: true, force: true });
    },
  };
}

/**
 * The admin client of a local relay for tests: the project's one HTTP client
 * (`src/client/relay-client.ts`), plus `call` for tests that look at raw statuses and bodies.
 */
export function relayClient(baseUrl: string, adminToken = ADMIN_TOKEN) {
  const client = new RelayClient({ url: baseUrl, adminToken });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await client.raw(method, path, { body });
    return { status: res.status, body: res.body };
  };
  return {
    call,
    client,
    /** Creates a new workspace and returns its ingress secret; throws if it already existed. */
    async createWorkspace(workspaceId: string): Promise<string> {
      const res = await client.putWorkspace(workspaceId);
      if (!res.created) throw new Error(`create workspace: ${workspaceId} already exists`);
      return res.value.ingressSecret;
    },
    /** Sends events signed with `secret`; throws unless the relay answers 200. */
    ingest: (workspaceId: string, secret: string, events: unknown[]) => client.ingest(workspaceId, secret, events),
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
