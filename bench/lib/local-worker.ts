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
  /**
   * A module to run instead of the one wrangler.toml names, with every setting and binding
   * of that file: a variant of the same Worker, which then needs no copy of its configuration.
   */
  entrypoint?: string;
  /** Vars and secrets, overriding wrangler.toml and any `.dev.vars`. */
  vars?: Record<string, string>;
};

/**
 * What a Worker under test logs, as the benchmark process sees it: warnings and errors are
 * printed, every other line is dropped unread. Wrangler's own handler source-maps every line
 * before its log level filters it out, and it does that here, in the process that also runs
 * the load and the receivers and takes their timestamps: one JSON line per delivery (the
 * relay's structured log, contract §9) then cost the relay 0.2–1 ms of measured latency at
 * one subscriber (BENCHMARKS.md), which Workers Logs would never charge it. The Worker
 * still writes every line; only the harness stops reading them.
 */
function printWarningsAndErrors(log: { level: string; message: string }): void {
  if (log.level === "warn" || log.level === "error") console.error(log.message);
}

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
    ...(options.entrypoint ? { entrypoint: options.entrypoint } : {}),
    bindings,
    dev: {
      inspector: false,
      persist,
      watch: false,
      logLevel: "warn",
      structuredLogsHandler: printWarningsAndErrors,
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
