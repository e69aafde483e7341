import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DirectoryPage } from "../../src/contract/directory";
import { DIRECTORY_NAME, INTENT_LEASE_MS } from "../../durable-objects/directory/directory-do";
import { seededRandom } from "../support/seeded-random";
import {
  createWorkspace,
  expectError,
  expectStatus,
  ingest,
  json,
  makeEvents,
  relayFetch,
  uniqueId,
  workspacePath,
  workspaceStub,
} from "./helpers";

const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName(DIRECTORY_NAME));

async function listPage(params: { limit?: number; cursor?: string } = {}): Promise<DirectoryPage> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await relayFetch(`/v1/workspaces?${query}`);
  await expectStatus(res, 200);
  const page = DirectoryPage.parse(await json(res));
  const ids = page.workspaces.map((w) => w.workspaceId);
  expect(ids, "sorted by workspaceId, no repeats").toEqual([...new Set(ids)].sort());
  return page;
}

/**
 * The listed workspaces whose id starts with `prefix`, paged with `limit`. Ids sharing a prefix
 * are contiguous in the sort order, so starting the cursor at the prefix itself covers them
 * exactly, whatever other tests in this runtime created. `between` runs before each page.
 */
async function listPrefix(prefix: string, limit: number, between?: (page: number) => Promise<void>) {
  const ids: string[] = [];
  let cursor: string | null = prefix;
  for (let page = 0; cursor !== null; page++) {
    await between?.(page);
    const result = await listPage({ limit, cursor });
    expect(result.workspaces.length).toBeLessThanOrEqual(limit);
    if (result.nextCursor !== null) expect(result.workspaces).toHaveLength(limit);
    const inRange = result.workspaces.map((w) => w.workspaceId).filter((id) => id.startsWith(prefix));
    ids.push(...inRange);
    cursor = inRange.length === result.workspaces.length ? result.nextCursor : null;
  }
  return ids;
}

/** Whether the directory lists this one workspace (listing from just before its id). */
const isListed = async (workspaceId: string) => (await listPrefix(workspaceId.slice(0, -1), 10)).includes(workspaceId);

const put = (workspaceId: string) => relayFetch(workspacePath(workspaceId), { method: "PUT", body: {} });
const del = (workspaceId: string) => relayFetch(workspacePath(workspaceId), { method: "DELETE" });

/** Rows of the directory's table that still have an open intent. */
const openIntents = () =>
  runInDurableObject(directory(), (_instance, state) =>
    state.storage.sql.exec("SELECT workspace_id FROM directory_entries WHERE pending_since IS NOT NULL").toArray(),
  );

describe("GET /v1/workspaces (contract §8: the workspace directory)", () => {
  it("lists exactly the created and not deleted workspaces across 300 creates and deletes", async () => {
    const random = seededRandom(300);
    const prefix = `${uniqueId("dir")}-`;
    const pool = Array.from({ length: 90 }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);
    const model = new Set<string>();

    for (let op = 0; op < 300; op += 10) {
      // Ten operations at once, on distinct workspaces, so their outcome does not depend on order.
      const picked = new Set<string>();
      while (picked.size < 10) picked.add(pool[Math.floor(random() * pool.length)]!);
      await Promise.all(
        [...picked].map(async (id) => {
          if (model.has(id) && random() < 0.6) {
            await expectStatus(await del(id), 204);
            model.delete(id);
          } else {
            const res = await put(id);
            await expectStatus(res, model.has(id) ? 200 : 201);
            model.add(id);
          }
        }),
      );
      if (op % 100 === 0) expect(await listPrefix(prefix, 7)).toEqual([...model].sort());
    }
    const expected = [...model].sort();
    expect(expected.length).toBeGreaterThan(10);
    for (const limit of [1, 13, 100, 1000]) expect(await listPrefix(prefix, limit)).toEqual(expected);
    // The directory itself agrees, not only the route (which drops workspaces that answer 404).
    const own = await directory().list(prefix, 1000);
    expect(own.entries.map((e) => e.workspaceId).filter((id) => id.startsWith(prefix))).toEqual(expected);
    expect(await openIntents()).toEqual([]);
  }, 180_000);

  it("pages that cross deletions and creations skip nothing that stayed and show nothing deleted", async () => {
    const prefix = `${uniqueId("dirx")}-`;
    const ids = Array.from({ length: 40 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
    for (const id of ids) await expectStatus(await put(id), 201);
    const deleted = new Set<string>();
    const added = `${prefix}25a`;
    const seen = await listPrefix(prefix, 6, async (page) => {
      if (page === 2) {
        // Behind the cursor, at the cursor's next row, and further ahead.
        for (const id of [ids[3]!, ids[12]!, ids[13]!, ids[30]!]) {
          await expectStatus(await del(id), 204);
          deleted.add(id);
        }
        await expectStatus(await put(added), 201);
      }
    });
    const stayed = ids.filter((id) => !deleted.has(id));
    for (const id of stayed) expect(seen).toContain(id);
    for (const id of [ids[12]!, ids[13]!, ids[30]!]) expect(seen).not.toContain(id);
    expect(seen).toContain(added);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("shows each workspace's current head and subscriber count", async () => {
    const prefix = `${uniqueId("dirh")}-`;
    const workspace = await createWorkspace({}, `${prefix}a`);
    await ingest(workspace.workspaceId, workspace.ingressSecret, makeEvents(3, { lamport: undefined }));
    const sub = await relayFetch(`${workspacePath(workspace.workspaceId)}/subscribers/s1`, {
      method: "PUT",
      body: { kind: "webhook", url: "http://127.0.0.1:9/hook", enabled: false },
    });
    await expectStatus(sub, 201);
    const page = await listPage({ cursor: prefix, limit: 1 });
    expect(page.workspaces).toEqual([
      { workspaceId: workspace.workspaceId, createdAt: workspace.createdAt, head: 3, subscriberCount: 1 },
    ]);
  });

  it("defaults to 100 per page, allows 1000, and refuses bad queries and missing auth", async () => {
    const prefix = `${uniqueId("dird")}-`;
    for (let i = 0; i < 101; i++) await expectStatus(await put(`${prefix}${String(i).padStart(3, "0")}`), 201);
    const first = await listPage({ cursor: prefix });
    expect(first.workspaces).toHaveLength(100);
    expect(first.nextCursor).toBe(first.workspaces.at(-1)!.workspaceId);
    for (const query of ["limit=0", "limit=1001", "limit=x", "cursor=%20bad"]) {
      await expectError(await relayFetch(`/v1/workspaces?${query}`), "invalid_request", { issues: true });
    }
    await expectError(await relayFetch("/v1/workspaces", { token: null }), "unauthorized");
    await expectError(await relayFetch("/v1/workspaces", { token: "wrong" }), "unauthorized");
  });
});

describe("the directory across a crash between the two writes", () => {
  // A crash is the route's first steps run through the same RPCs, and never its settlement.
  it("a create that crashed after the workspace's write is listed", async () => {
    const id = uniqueId("crash-create");
    await directory().intend(id);
    const created = await workspaceStub(id).put(id, {});
    expect(created.ok).toBe(true);
    expect(await isListed(id)).toBe(true);
  });

  it("a create that crashed before the workspace's write is not listed", async () => {
    const id = uniqueId("crash-create-early");
    await directory().intend(id);
    expect(await isListed(id)).toBe(false);
    await expectError(await relayFetch(workspacePath(id)), "workspace_not_found");
  });

  it("a delete that crashed after the workspace's write is not listed, one that crashed before it is", async () => {
    const gone = uniqueId("crash-delete");
    const kept = uniqueId("crash-delete-early");
    await expectStatus(await put(gone), 201);
    await expectStatus(await put(kept), 201);
    await directory().intend(gone);
    expect((await workspaceStub(gone).destroy()).ok).toBe(true);
    await directory().intend(kept);
    expect(await isListed(gone)).toBe(false);
    expect(await isListed(kept)).toBe(true);
  });

  it("the alarm settles intents left open past their lease, without anyone listing", async () => {
    const crashedCreate = uniqueId("alarm-create");
    const crashedDelete = uniqueId("alarm-delete");
    await expectStatus(await put(crashedDelete), 201);
    await directory().intend(crashedCreate);
    await workspaceStub(crashedCreate).put(crashedCreate, {});
    await directory().intend(crashedDelete);
    await workspaceStub(crashedDelete).destroy();

    // Age the two intents past their lease, as time would, then let the alarm run.
    await runInDurableObject(directory(), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE directory_entries SET pending_since = pending_since - ? WHERE workspace_id IN (?, ?)",
        INTENT_LEASE_MS + 1,
        crashedCreate,
        crashedDelete,
      );
    });
    expect(await runDurableObjectAlarm(directory())).toBe(true);
    const rows = await runInDurableObject(directory(), (_instance, state) =>
      state.storage.sql
        .exec(
          "SELECT workspace_id, listed, pending_since FROM directory_entries WHERE workspace_id IN (?, ?) ORDER BY workspace_id",
          crashedCreate,
          crashedDelete,
        )
        .toArray(),
    );
    expect(rows).toEqual([
      { workspace_id: crashedCreate, listed: 1, pending_since: null },
      { workspace_id: crashedDelete, listed: 0, pending_since: null },
    ]);
    expect(await isListed(crashedCreate)).toBe(true);
    expect(await isListed(crashedDelete)).toBe(false);
  });

  it("a late settlement of an older operation never undoes a newer one", async () => {
    const id = uniqueId("race");
    const older = await directory().intend(id);
    await workspaceStub(id).put(id, {});
    const newer = await directory().intend(id);
    await workspaceStub(id).destroy();
    await directory().settle(id, newer, { exists: false });
    await directory().settle(id, older, { exists: true, createdAt: Date.now() });
    // The directory's own listing, before the route asks each workspace for its summary.
    const listing = await directory().list(id.slice(0, -1), 10);
    expect(listing.entries.map((e) => e.workspaceId)).not.toContain(id);
    expect(await isListed(id)).toBe(false);
  });
});
