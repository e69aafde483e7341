import { join } from "node:path";
import { generateSecret } from "../../src/signing/standard-webhooks.ts";
import type { PreparedRequest } from "../lib/load.ts";
import { startLocalWorker, type LocalWorker } from "../lib/local-worker.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { signedPosts } from "../lib/signed-request.ts";
import { INDEXED_PREFIX } from "../baseline/paths.ts";
import { INGEST_STEPS } from "./variants/steps.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** A fresh, empty log on one Worker, and the requests that append a run's bodies to it. */
export type PreparedRun = {
  requests: PreparedRequest[];
  /** How many events the log holds now, read back through the Worker. */
  storedEvents(): Promise<number>;
};

/** Something that takes ingest requests: the relay, the baseline, or a step of the breakdown. */
export type IngestTarget = {
  name: string;
  baseUrl: URL;
  /** Creates log `logId` and signs `bodies` for it; nothing here is timed. */
  prepare(logId: string, bodies: readonly string[]): Promise<PreparedRun>;
};

/** Started Workers and the targets they serve; dispose the workers when done. */
export type StartedTargets = { workers: LocalWorker[]; targets: IngestTarget[] };

const ingestPath = (logId: string) => `/v1/workspaces/${logId}/events`;

/** The relay itself (root wrangler.toml): a new workspace per run, signed with its real secret. */
export async function startRelay(): Promise<StartedTargets> {
  const { worker, admin } = await startLocalRelay();
  const relay: IngestTarget = {
    name: "relay",
    baseUrl: worker.url,
    async prepare(logId, bodies) {
      const { ingressSecret } = await admin.createWorkspace(logId);
      return {
        requests: await signedPosts({ path: ingestPath(logId), bodies, secret: ingressSecret }),
        storedEvents: async () => (await admin.workspaceInfo(logId)).eventCount,
      };
    },
  };
  return { workers: [worker], targets: [relay] };
}

/**
 * A target on a bench Worker whose `GET {prefix}/v1/workspaces/{id}` answers `{eventCount}`
 * and whose `POST {prefix}/v1/workspaces/{id}/events` ingests. Every request is signed with
 * `secret`, so all targets receive requests of the same size whether or not they check them.
 */
function benchWorkerTarget(name: string, worker: LocalWorker, prefix: string, secret: string): IngestTarget {
  const storedEvents = async (logId: string) => {
    const res = await fetch(new URL(`${prefix}/v1/workspaces/${logId}`, worker.url));
    if (!res.ok) throw new Error(`${name} count -> ${res.status} ${await res.text()}`);
    return ((await res.json()) as { eventCount: number }).eventCount;
  };
  return {
    name,
    baseUrl: worker.url,
    async prepare(logId, bodies) {
      // Reading the count creates the Durable Object and its table before timing starts,
      // as creating the workspace does on the relay.
      await storedEvents(logId);
      return {
        requests: await signedPosts({ path: `${prefix}${ingestPath(logId)}`, bodies, secret }),
        storedEvents: () => storedEvents(logId),
      };
    },
  };
}

/**
 * The minimal Worker of `bench/baseline/`, which ignores the signatures it is sent: its plain
 * log, and the same log with the relay's search indexes.
 */
export async function startBaseline(): Promise<StartedTargets> {
  const worker = await startLocalWorker({ name: "baseline", configPath: join(ROOT, "bench", "baseline", "wrangler.toml") });
  const secret = generateSecret();
  return {
    workers: [worker],
    targets: [
      benchWorkerTarget("baseline", worker, "", secret),
      benchWorkerTarget("baseline with search indexes", worker, INDEXED_PREFIX, secret),
    ],
  };
}

/** One Worker serving every step of the breakdown (`bench/ingest/variants/`). */
export async function startIngestSteps(): Promise<StartedTargets> {
  const secret = generateSecret();
  const worker = await startLocalWorker({
    name: "steps",
    configPath: join(ROOT, "bench", "ingest", "variants", "wrangler.toml"),
    vars: { BENCH_INGRESS_SECRET: secret },
  });
  return {
    workers: [worker],
    targets: INGEST_STEPS.map((step) => benchWorkerTarget(`+${step}`, worker, `/${step}`, secret)),
  };
}
