import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  createWorkspace,
  durableObjectFootprint,
  eventsPath,
  expectError,
  getWorkspace,
  ingest,
  makeEvent,
  observable,
  relayFetch,
  uniqueId,
  workspacePath,
} from "./helpers";

/** Every admin call of contract §1 and §3, as [method, path, body]. */
function adminCalls(workspaceId: string): [string, string, unknown][] {
  return [
    ["PUT", workspacePath(workspaceId), {}],
    ["GET", workspacePath(workspaceId), undefined],
    ["DELETE", workspacePath(workspaceId), undefined],
    ["POST", `${workspacePath(workspaceId)}/ingress-secrets/rotate`, { graceSeconds: 0 }],
    ["GET", `${eventsPath(workspaceId)}?after=0`, undefined],
    ["GET", `${eventsPath(workspaceId)}?wait=5`, undefined],
  ];
}

type Credentials = { token?: string | null; headers?: Record<string, string>; tokenInQuery?: boolean };

const badCredentials: [string, Credentials][] = [
  ["no Authorization header", { token: null }],
  ["a wrong token", { token: "not-the-admin-token" }],
  ["the token with a suffix", { token: `${ADMIN_TOKEN}x` }],
  ["a prefix of the token", { token: ADMIN_TOKEN.slice(0, -1) }],
  ["a Basic scheme", { token: null, headers: { authorization: `Basic ${ADMIN_TOKEN}` } }],
  ["the bare token without Bearer", { token: null, headers: { authorization: ADMIN_TOKEN } }],
  // Admin tokens never travel in URLs, where logs would keep them.
  ["the token in the query string", { token: null, tokenInQuery: true }],
];

describe("admin auth (contract §0)", () => {
  it.each(badCredentials)("%s gets 401 unauthorized on every admin call, and changes nothing", async (_name, creds) => {
    const created = await createWorkspace();
    const { workspaceId } = created;
    await ingest(workspaceId, created.ingressSecret, [makeEvent()]);
    const before = await observable(workspaceId);

    for (const [method, path, body] of adminCalls(workspaceId)) {
      const url = creds.tokenInQuery ? `${path}${path.includes("?") ? "&" : "?"}token=${ADMIN_TOKEN}` : path;
      const res = await relayFetch(url, { method, body, token: creds.token, headers: creds.headers });
      await expectError(res, "unauthorized");
    }

    // Nothing was deleted, rotated or changed: the original secret still signs ingest.
    expect(await observable(workspaceId)).toEqual(before);
    await ingest(workspaceId, created.ingressSecret, [makeEvent()]);
  });

  it("checks auth before existence: an unknown workspace answers 401, and is not created", async () => {
    const workspaceId = uniqueId("missing");
    for (const [method, path, body] of adminCalls(workspaceId)) {
      await expectError(await relayFetch(path, { method, body, token: "wrong" }), "unauthorized");
    }
    expect(await durableObjectFootprint(workspaceId)).toEqual({ tables: [], alarm: null });
    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
  });

  it("accepts the bearer scheme case-insensitively", async () => {
    const { workspaceId } = await createWorkspace();
    const res = await relayFetch(workspacePath(workspaceId), {
      token: null,
      headers: { authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect((await getWorkspace(workspaceId)).workspaceId).toBe(workspaceId);
  });
});
