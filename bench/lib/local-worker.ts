import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Set before wrangler/miniflare read them: no telemetry, and no attempt to download the
// `Request.cf` object (there is no internet here, and the retry would add noise to startup).
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

export type LocalWorker = {
  name: string;
  url: URL;
  dispose(): Promise<void>;
};

export type LocalWorkerOptions = {
  /** A label for logs and reports. */
  name: string;
  /** Path to the Worker's wrangler.toml. */
  configPath: string;
  /** Vars and secrets, overriding wrangler.toml and any `.dev.vars`. */
  vars?: Record<string, string>;
};

/**
 * Starts a Worker as `wrangler dev` would (wrangler's `unstable_startWorker`), on a free port
 * of 127.0.0.1, with its Durable Object storage in a fresh temporary directory that is removed
 * on dispose. The inspector is off: with it on, every subrequest is also reported to
 * wrangler's Node process, which would charge that process's work to the Worker under test.
 */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const { unstable_startWorker } = await import("wrangler");
  const persist = await mkdtemp(join(tmpdir(), `bench-${options.name}-`));
  const bindings = Object.fromEntries(
    Object.entries(options.vars ?? {}).map(([name, value]) => [name, { type: "secret_text" as const, value }]),
  );
  const worker = await unstable_startWorker({
    config: options.configPath,
    bindings,
    dev: {
      inspector: false,
      persist,
      watch: false,
      logLevel: "warn",
      server: { hostname: "127.0.0.1", port: 0 },
    },
  });
  try {
    await worker.ready;
    const url = await worker.url;
    return {
      name: options.name,
      url,
      async dispose() {
        await worker.dispose();
        await rm(persist, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await worker.dispose();
    await rm(persist, { recursive: true, force: true });
    throw error;
  }
}
