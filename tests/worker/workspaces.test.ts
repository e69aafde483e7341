import { describe, expect, it } from "vitest";
import { DEFAULT_RETENTION_DAYS } from "../../src/contract/workspace";
import { generateSecret, secretKeyBytes } from "../../src/signing/standard-webhooks";
import {
  createWorkspace,
  durableObjectFootprint,
  expectError,
  expectStatus,
  getWorkspace,
  ingest,
  json,
  lamportVersions,
  makeEvent,
  makeEvents,
  readEvents,
  relayFetch,
  rotateIngressSecret,
  signedIngest,
  uniqueId,
  workspacePath,
} from "./helpers";

describe("PUT /v1/workspaces/{id} (contract §1)", () => {
  it("creates with 201 and shows a 32-byte whsec_ secret once; later calls answer 200 without it", async () => {
    const workspaceId = uniqueId();
    const before = Date.now();
    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: {} });
    await expectStatus(res, 201);
    const created = await json<Record<string, unknown>>(res);
    expect(created.workspaceId).toBe(workspaceId);
    expect(created.ingressSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(secretKeyBytes(created.ingressSecret as string).length).toBe(32);
    expect(created.createdAt).toBeGreaterThanOrEqual(before);
    expect(created.createdAt).toBeLessThanOrEqual(Date.now());

    const again = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: {} });
    await expectStatus(again, 200);
    const body = await json<Record<string, unknown>>(again);
    expect(body).not.toHaveProperty("ingressSecret");
    expect(JSON.stringify(body)).not.toContain(created.ingressSecret as string);
    expect(body).toMatchObject({ workspaceId, createdAt: created.createdAt });
  });

  it("accepts an empty body as {} and uses the default retention", async () => {
    const workspaceId = uniqueId();
    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT" });
    await expectStatus(res, 201);
    expect((await getWorkspace(workspaceId)).retentionDays).toBe(DEFAULT_RETENTION_DAYS);
  });

  it("stores retentionDays on create and updates it on a later PUT", async () => {
    const { workspaceId } = await createWorkspace({ retentionDays: 3 });
    expect((await getWorkspace(workspaceId)).retentionDays).toBe(3);
    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: { retentionDays: 14 } });
    await expectStatus(res, 200);
    expect(await json(res)).toMatchObject({ workspaceId, retentionDays: 14 });
    expect((await getWorkspace(workspaceId)).retentionDays).toBe(14);
  });

  it.each([
    ["retentionDays zero", { retentionDays: 0 }, "retentionDays"],
    ["retentionDays as a string", { retentionDays: "7" }, "retentionDays"],
    ["retentionDays fractional", { retentionDays: 1.5 }, "retentionDays"],
    ["retentionDays above RELAY_MAX_RETENTION_DAYS", { retentionDays: 31 }, "retentionDays"],
    ["an unknown field", { retention: 7 }, ""],
    ["an array body", [], ""],
  ])("refuses %s with 400 invalid_request and creates nothing", async (_name, body, path) => {
    const workspaceId = uniqueId();
    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body });
    await expectError(res, "invalid_request", { issuePaths: [path] });
    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
    expect(await durableObjectFootprint(workspaceId)).toEqual({ tables: [], alarm: null });
  });

  it("refuses malformed JSON with 400 invalid_request", async () => {
    const workspaceId = uniqueId();
    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: '{"retentionDays": 7' });
    await expectError(res, "invalid_request", { issuePaths: [""] });
    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
  });

  it.each([
    ["a leading dash", "-ws"],
    ["a dot", "ws.1"],
    ["65 characters", "w".repeat(65)],
  ])("refuses a workspaceId with %s with 400 invalid_request", async (_name, workspaceId) => {
    const res = await relayFetch(workspacePath(encodeURIComponent(workspaceId)), { method: "PUT", body: {} });
    await expectError(res, "invalid_request", { issues: true });
  });

  it("accepts a 64-character workspaceId with - and _", async () => {
    const workspaceId = `A${"b_-9".repeat(15)}xyz`;
    expect(workspaceId).toHaveLength(64);
    const created = await createWorkspace({}, workspaceId);
    expect(created.workspaceId).toBe(workspaceId);
  });
});

describe("GET /v1/workspaces/{id}", () => {
  it("returns head, eventCount, subscriberCount, createdAt and retentionDays, and never the secret", async () => {
    const created = await createWorkspace({ retentionDays: 5 });
    const res = await relayFetch(workspacePath(created.workspaceId));
    await expectStatus(res, 200);
    const body = await json<Record<string, unknown>>(res);
    expect(body).toEqual({
      workspaceId: created.workspaceId,
      head: 0,
      eventCount: 0,
      subscriberCount: 0,
      createdAt: created.createdAt,
      retentionDays: 5,
    });

    const ingested = await ingest(created.workspaceId, created.ingressSecret, [
      makeEvent({ lamport: 41 }),
      makeEvent({ lamport: undefined }),
    ]);
    expect(ingested.head).toBe(43);
    expect(await getWorkspace(created.workspaceId)).toMatchObject({ head: 43, eventCount: 2 });
  });
});

describe("DELETE /v1/workspaces/{id}", () => {
  it("answers 204 and erases events, ids and secrets; re-creating starts from nothing", async () => {
    const created = await createWorkspace();
    const { workspaceId, ingressSecret } = created;
    const events = makeEvents(3);
    await ingest(workspaceId, ingressSecret, events);

    const res = await relayFetch(workspacePath(workspaceId), { method: "DELETE" });
    await expectStatus(res, 204);
    expect(await res.text()).toBe("");

    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
    await expectError(await readEvents(workspaceId), "workspace_not_found");
    await expectError(await signedIngest(workspaceId, { events }, ingressSecret), "workspace_not_found");
    await expectError(await relayFetch(workspacePath(workspaceId), { method: "DELETE" }), "workspace_not_found");

    const recreated = await createWorkspace({}, workspaceId);
    expect(recreated.ingressSecret).not.toBe(ingressSecret);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 0, eventCount: 0 });
    // The old secret was erased with the workspace.
    await expectError(await signedIngest(workspaceId, { events }, ingressSecret), "invalid_signature");
    // So were the ids: the same events are new again.
    const again = await ingest(workspaceId, recreated.ingressSecret, events);
    expect(again.results.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(again.results.map((r) => r.version)).toEqual(lamportVersions(events));
  });
});

describe("POST /v1/workspaces/{id}/ingress-secrets/rotate", () => {
  it("returns a new 32-byte secret and previousValidUntil = now + 86400 s by default", async () => {
    const created = await createWorkspace();
    const before = Date.now();
    const rotated = await rotateIngressSecret(created.workspaceId);
    const after = Date.now();
    expect(Object.keys(rotated).sort()).toEqual(["ingressSecret", "previousValidUntil"]);
    expect(rotated.ingressSecret).toMatch(/^whsec_/);
    expect(rotated.ingressSecret).not.toBe(created.ingressSecret);
    expect(secretKeyBytes(rotated.ingressSecret).length).toBe(32);
    expect(rotated.previousValidUntil).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(rotated.previousValidUntil).toBeLessThanOrEqual(after + 86_400_000);
  });

  it("honours graceSeconds", async () => {
    const created = await createWorkspace();
    const before = Date.now();
    const rotated = await rotateIngressSecret(created.workspaceId, { graceSeconds: 60 });
    expect(rotated.previousValidUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(rotated.previousValidUntil).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it.each([
    ["a negative grace", { graceSeconds: -1 }],
    ["a string grace", { graceSeconds: "60" }],
    ["a fractional grace", { graceSeconds: 1.5 }],
    ["an unknown field", { grace: 60 }],
  ])("refuses %s with 400 invalid_request and keeps the current secret", async (_name, body) => {
    const created = await createWorkspace();
    const res = await relayFetch(`${workspacePath(created.workspaceId)}/ingress-secrets/rotate`, {
      method: "POST",
      body,
    });
    await expectError(res, "invalid_request", { issues: true });
    await ingest(created.workspaceId, created.ingressSecret, [makeEvent()]);
  });
});

describe("calls against a workspace that does not exist", () => {
  it("get 404 workspace_not_found and write nothing", async () => {
    const workspaceId = uniqueId("missing");
    const body = { events: [makeEvent()] };
    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
    await expectError(
      await relayFetch(`${workspacePath(workspaceId)}/ingress-secrets/rotate`, { method: "POST", body: {} }),
      "workspace_not_found",
    );
    await expectError(await relayFetch(workspacePath(workspaceId), { method: "DELETE" }), "workspace_not_found");
    await expectError(await readEvents(workspaceId), "workspace_not_found");
    await expectError(await readEvents(workspaceId, { wait: 5 }), "workspace_not_found");
    // Ingest is the non-admin call: signed or not, it must not reveal or create anything.
    await expectError(await signedIngest(workspaceId, body, generateSecret()), "workspace_not_found");
    await expectError(
      await signedIngest(workspaceId, body, generateSecret(), { omit: ["webhook-signature"] }),
      "workspace_not_found",
    );
    await expectError(await signedIngest(workspaceId, "not json", generateSecret()), "workspace_not_found");

    expect(await durableObjectFootprint(workspaceId)).toEqual({ tables: [], alarm: null });
    await expectError(await relayFetch(workspacePath(workspaceId)), "workspace_not_found");
  });
});
