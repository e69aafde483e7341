import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReadKeyInfo, ReadKeyList } from "../../src/contract/keys";
import {
  createWorkspace,
  durableObjectFootprint,
  eventsPath,
  expectError,
  expectStatus,
  json,
  makeEvents,
  readEvents,
  relayFetch,
  signedIngest,
  uniqueId,
  workspacePath,
  workspaceStub,
} from "./helpers";
import { createReadKey, feedRequest, ingestMany, keysPath, openFeed } from "./feed-support";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A well-formed key for `workspaceId` that was never issued. */
function forgedKey(workspaceId: string): string {
  return `rk_${workspaceId}.${"A".repeat(43)}`;
}

describe("read keys: admin API", () => {
  it("creates a key shown once, lists keys without secrets, stores only a hash, and revokes", async () => {
    const ws = await createWorkspace();
    const created = await createReadKey(ws.workspaceId, "warehouse replica");
    expect(created.key).toMatch(/^rk_/);
    expect(created).toMatchObject({ name: "warehouse replica", scopes: ["read"] });
    const other = await createReadKey(ws.workspaceId, "second");
    expect(other.key).not.toBe(created.key);

    const listRes = await relayFetch(keysPath(ws.workspaceId));
    await expectStatus(listRes, 200);
    const listText = await listRes.text();
    expect(listText).not.toContain(created.key);
    expect(listText).not.toContain(created.key.split(".")[1]);
    const list = ReadKeyList.parse(JSON.parse(listText));
    expect(list.keys.map((k) => ReadKeyInfo.strict().parse(k).id)).toEqual([created.id, other.id]);

    const stored = await runInDurableObject(workspaceStub(ws.workspaceId), (_instance, state) =>
      state.storage.sql.exec("SELECT * FROM read_keys").toArray(),
    );
    expect(JSON.stringify(stored)).not.toContain(created.key.split(".")[1]);
    expect(stored.map((row) => row.key_hash)).toContain(await sha256Hex(created.key));

    const del = await relayFetch(`${keysPath(ws.workspaceId)}/${created.id}`, { method: "DELETE" });
    await expectStatus(del, 204);
    const after = ReadKeyList.parse(await json(await relayFetch(keysPath(ws.workspaceId))));
    expect(after.keys.map((k) => k.id)).toEqual([other.id]);
    await expectError(
      await relayFetch(`${keysPath(ws.workspaceId)}/${created.id}`, { method: "DELETE" }),
      "key_not_found",
    );
  });

  it("validates bodies, and answers 404 for an unknown workspace or key", async () => {
    const ws = await createWorkspace();
    const post = (body: unknown) => relayFetch(keysPath(ws.workspaceId), { method: "POST", body });
    await expectError(await post({ scopes: ["read"] }), "invalid_request", { issuePaths: ["name"] });
    await expectError(await post({ name: "x", scopes: ["write"] }), "invalid_request", { issuePaths: ["scopes.0"] });
    await expectError(await post({ name: "x", scopes: [] }), "invalid_request", { issuePaths: ["scopes"] });
    await expectError(await post({ name: "x", scopes: ["read"], admin: true }), "invalid_request", { issues: true });
    await expectError(await post("{nope"), "invalid_request", { issuePaths: [""] });

    const missing = uniqueId();
    await expectError(
      await relayFetch(keysPath(missing), { method: "POST", body: { name: "x", scopes: ["read"] } }),
      "workspace_not_found",
    );
    await expectError(await relayFetch(keysPath(missing)), "workspace_not_found");
    await expectError(
      await relayFetch(`${keysPath(ws.workspaceId)}/key_0123456789abcdef`, { method: "DELETE" }),
      "key_not_found",
    );
    await expectError(await relayFetch(`${keysPath(ws.workspaceId)}/nonsense`, { method: "DELETE" }), "key_not_found");
  });

  it("requires the admin token: a read key cannot manage keys", async () => {
    const ws = await createWorkspace();
    const { key, id } = await createReadKey(ws.workspaceId);
    for (const token of [null, "wrong", key]) {
      await expectError(await relayFetch(keysPath(ws.workspaceId), { token }), "unauthorized");
      await expectError(
        await relayFetch(keysPath(ws.workspaceId), { method: "POST", token, body: { name: "x", scopes: ["read"] } }),
        "unauthorized",
      );
      await expectError(
        await relayFetch(`${keysPath(ws.workspaceId)}/${id}`, { method: "DELETE", token }),
        "unauthorized",
      );
    }
  });
});

describe("read keys: what they open", () => {
  it("read the log and open the feed of their workspace, by header or (feed only) ?token=", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const versions = await ingestMany(ws.workspaceId, ws.ingressSecret, 3);

    const read = await readEvents(ws.workspaceId, {});
    await expectStatus(read, 200);
    const viaKey = await relayFetch(eventsPath(ws.workspaceId), { token: key });
    await expectStatus(viaKey, 200);
    expect(await viaKey.json()).toEqual(await read.json());

    for (const tokenInQuery of [false, true]) {
      const feed = await openFeed(ws.workspaceId, { token: key, tokenInQuery });
      await feed.waitForVersion(versions.at(-1)!);
      expect(feed.versions).toEqual(versions);
      feed.close();
    }
    // The admin token works for the feed too (in the header).
    const admin = await openFeed(ws.workspaceId, { token: "test-admin-token" });
    await admin.waitForVersion(versions.at(-1)!);
    admin.close();

    // A URL is no place for a credential the read API does not need there.
    await expectError(await relayFetch(`${eventsPath(ws.workspaceId)}?token=${key}`, { token: null }), "unauthorized");
  });

  it("refuse no key, a wrong key, a revoked key (401) and another workspace's key (403), for read and feed", async () => {
    const ws = await createWorkspace();
    const otherWs = await createWorkspace();
    const revoked = await createReadKey(ws.workspaceId);
    const foreign = await createReadKey(otherWs.workspaceId);
    await expectStatus(await relayFetch(`${keysPath(ws.workspaceId)}/${revoked.id}`, { method: "DELETE" }), 204);

    const cases: { token: string | null; code: "unauthorized" | "forbidden" }[] = [
      { token: null, code: "unauthorized" },
      { token: "not-a-key", code: "unauthorized" },
      { token: forgedKey(ws.workspaceId), code: "unauthorized" },
      { token: `${foreign.key.slice(0, -1)}${foreign.key.endsWith("A") ? "B" : "A"}`, code: "unauthorized" },
      { token: revoked.key, code: "unauthorized" },
      // A forged key naming another workspace is just wrong, not "another workspace's key".
      { token: forgedKey(otherWs.workspaceId), code: "unauthorized" },
      { token: foreign.key, code: "forbidden" },
    ];
    for (const { token, code } of cases) {
      await expectError(await relayFetch(eventsPath(ws.workspaceId), { token }), code);
      await expectError(await feedRequest(ws.workspaceId, { token }), code);
      if (token !== null) await expectError(await feedRequest(ws.workspaceId, { token, tokenInQuery: true }), code);
    }
    // The foreign key still works where it belongs.
    await expectStatus(await relayFetch(eventsPath(otherWs.workspaceId), { token: foreign.key }), 200);
  });

  it("answer a read key's call on a workspace that does not exist with 404 workspace_not_found (contract §1)", async () => {
    const live = await createWorkspace();
    const foreign = await createReadKey(live.workspaceId);
    const missing = uniqueId();
    for (const token of [forgedKey(missing), forgedKey(live.workspaceId), foreign.key]) {
      await expectError(await relayFetch(eventsPath(missing), { token }), "workspace_not_found");
      await expectError(await relayFetch(`${eventsPath(missing)}/1`, { token }), "workspace_not_found");
      await expectError(await feedRequest(missing, { token }), "workspace_not_found");
      await expectError(await feedRequest(missing, { token, tokenInQuery: true }), "workspace_not_found");
    }
    // No credential, or one that is not a read key, is a failed admin call: 401, as §0 says.
    for (const token of [null, "not-a-key"]) await expectError(await relayFetch(eventsPath(missing), { token }), "unauthorized");
    // Asking created nothing.
    expect(await durableObjectFootprint(missing)).toEqual({ tables: [], alarm: null });
    await expectError(await relayFetch(workspacePath(missing)), "workspace_not_found");
  });

  it("cannot ingest or use the admin API", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const body = JSON.stringify({ events: makeEvents(1) });
    const ingestWithKey = await relayFetch(eventsPath(ws.workspaceId), {
      method: "POST",
      token: key,
      body,
    });
    await expectError(ingestWithKey, "invalid_signature");
    // Even a correctly signed request gains nothing from the key; without the signature it fails.
    await expectError(
      await signedIngest(ws.workspaceId, body, ws.ingressSecret, {
        headers: { authorization: `Bearer ${key}` },
        omit: ["webhook-signature"],
      }),
      "invalid_signature",
    );

    const admin: [string, string, unknown?][] = [
      ["GET", workspacePath(ws.workspaceId)],
      ["PUT", workspacePath(ws.workspaceId), {}],
      ["DELETE", workspacePath(ws.workspaceId)],
      ["POST", `${workspacePath(ws.workspaceId)}/ingress-secrets/rotate`, {}],
      ["GET", `${workspacePath(ws.workspaceId)}/subscribers`],
      ["PUT", `${workspacePath(ws.workspaceId)}/subscribers/s1`, { kind: "webhook", url: "http://127.0.0.1:9/x" }],
      ["GET", `${workspacePath(ws.workspaceId)}/dead-letters`],
    ];
    for (const [method, path, reqBody] of admin) {
      await expectError(await relayFetch(path, { method, token: key, body: reqBody }), "unauthorized");
    }
    // Nothing changed: the workspace is still there, with its events.
    await expectStatus(await relayFetch(workspacePath(ws.workspaceId)), 200);
  });

  it("revoking a key closes the feed sockets it opened; deleting the workspace closes all", async () => {
    const ws = await createWorkspace();
    const doomed = await createReadKey(ws.workspaceId);
    const kept = await createReadKey(ws.workspaceId);
    const onDoomed = await openFeed(ws.workspaceId, { token: doomed.key });
    const onKept = await openFeed(ws.workspaceId, { token: kept.key });

    await expectStatus(await relayFetch(`${keysPath(ws.workspaceId)}/${doomed.id}`, { method: "DELETE" }), 204);
    expect((await onDoomed.waitForClose()).code).toBe(4401);
    const [version] = await ingestMany(ws.workspaceId, ws.ingressSecret, 1);
    await onKept.waitForVersion(version!);
    expect(onKept.closed).toBeUndefined();

    await expectStatus(await relayFetch(workspacePath(ws.workspaceId), { method: "DELETE" }), 204);
    expect((await onKept.waitForClose()).code).toBe(4404);
    // The key died with its workspace.
    await expectError(await relayFetch(eventsPath(ws.workspaceId), { token: kept.key }), "workspace_not_found");
  });

  it("refuses a feed request without an upgrade, or with a bad query, in the contract's error shape", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    await expectError(await feedRequest(ws.workspaceId, { token: key, upgrade: false }), "invalid_request");
    await expectError(await feedRequest(ws.workspaceId, { token: key, extraQuery: "after=-1" }), "invalid_request", {
      issuePaths: ["after"],
    });
    await expectError(
      await feedRequest(ws.workspaceId, { token: key, extraQuery: "consumer=%20bad" }),
      "invalid_request",
      {
        issuePaths: ["consumer"],
      },
    );
    await expectError(await feedRequest(uniqueId(), { token: "test-admin-token" }), "workspace_not_found");
  });
});
