import { relayClient, startRelay, type LocalRelay } from "../../../tests/support/relay.ts";
import type { EventEnvelope, StoredEvent } from "../../../src/contract/event.ts";
import { ReadResponse } from "../../../src/contract/event.ts";
import { ReadKeyCreated } from "../../../src/contract/keys.ts";

/** A workspace on a real local relay, with a read key, for the replicator's end-to-end tests. */
export type TestWorkspace = {
  relay: LocalRelay;
  workspaceId: string;
  ingressSecret: string;
  readKey: string;
  admin: ReturnType<typeof relayClient>;
  /** Ingests events in requests of up to 100; returns the versions. */
  ingest(events: readonly EventEnvelope[]): Promise<number[]>;
  /** The whole log, through the read API. */
  readAll(): Promise<StoredEvent[]>;
};

let counter = 0;

export async function createTestWorkspace(relay: LocalRelay): Promise<TestWorkspace> {
  const admin = relayClient(relay.url);
  const workspaceId = `repl-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const ingressSecret = await admin.createWorkspace(workspaceId);
  const created = await admin.call("POST", `/v1/workspaces/${workspaceId}/keys`, {
    name: "replicator",
    scopes: ["read"],
  });
  if (created.status !== 201) throw new Error(`create read key: ${created.status} ${JSON.stringify(created.body)}`);
  const readKey = ReadKeyCreated.parse(created.body).key;
  return {
    relay,
    workspaceId,
    ingressSecret,
    readKey,
    admin,
    async ingest(events) {
      const versions: number[] = [];
      for (let i = 0; i < events.length; i += 100) {
        const res = await admin.ingest(workspaceId, ingressSecret, events.slice(i, i + 100) as unknown[]);
        versions.push(...res.results.map((r) => r.version));
      }
      return versions;
    },
    async readAll() {
      const events: StoredEvent[] = [];
      for (let after = 0; ;) {
        const res = await admin.call("GET", `/v1/workspaces/${workspaceId}/events?after=${after}&limit=1000`);
        const page = ReadResponse.parse(res.body);
        events.push(...page.events);
        if (!page.hasMore) return events;
        after = page.nextAfter;
      }
    },
  };
}

export { startRelay, type LocalRelay };
