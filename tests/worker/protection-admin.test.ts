import { describe, expect, it } from "vitest";
import { AlertDestination, AlertDestinationCreated, AlertDestinationList, AlertType } from "../../src/contract/alerts";
import { SubscriberStatus } from "../../src/contract/subscriber";
import { createWorkspace, expectError, expectStatus, getWorkspace, json, relayFetch, workspacePath } from "./helpers";

const HOOK = "https://hooks.example.com/relay";
const subscriberPath = (ws: string, id: string) => `${workspacePath(ws)}/subscribers/${id}`;
const alertPath = (ws: string, id: string) => `${workspacePath(ws)}/alerts/${id}`;

async function subscribe(ws: string, id: string, body: Record<string, unknown> = {}) {
  return relayFetch(subscriberPath(ws, id), { method: "PUT", body: { kind: "webhook", url: HOOK, ...body } });
}

describe("subscriber protection fields (contract §9)", () => {
  it("defaults to no rate limit and 120 h, takes both on create and update, and shows them in the status", async () => {
    const { workspaceId: ws } = await createWorkspace();
    const created = await subscribe(ws, "s1");
    await expectStatus(created, 201);
    expect(SubscriberStatus.parse(await json(created))).toMatchObject({
      rateLimit: null,
      disableAfterFailingHours: 120,
      disabledReason: null,
    });
    const updated = await subscribe(ws, "s1", { rateLimit: { eventsPerSecond: 2.5 }, disableAfterFailingHours: 0 });
    await expectStatus(updated, 200);
    expect(await json(updated)).toMatchObject({ rateLimit: { eventsPerSecond: 2.5 }, disableAfterFailingHours: 0 });
    // Omitted fields keep their value; null lifts the limit.
    expect(await json(await subscribe(ws, "s1"))).toMatchObject({ rateLimit: { eventsPerSecond: 2.5 } });
    expect(await json(await subscribe(ws, "s1", { rateLimit: null }))).toMatchObject({ rateLimit: null, disableAfterFailingHours: 0 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a zero rate", { rateLimit: { eventsPerSecond: 0 } }, "rateLimit.eventsPerSecond"],
    ["a negative rate", { rateLimit: { eventsPerSecond: -1 } }, "rateLimit.eventsPerSecond"],
    ["a rate as a string", { rateLimit: { eventsPerSecond: "5" } }, "rateLimit.eventsPerSecond"],
    ["an unknown rate field", { rateLimit: { eventsPerSecond: 5, burst: 10 } }, "rateLimit"],
    ["a bare number", { rateLimit: 5 }, "rateLimit"],
    ["negative hours", { disableAfterFailingHours: -1 }, "disableAfterFailingHours"],
    ["hours as a string", { disableAfterFailingHours: "120" }, "disableAfterFailingHours"],
  ])("refuses %s with 400 and stores nothing", async (_name, body, path) => {
    const { workspaceId: ws } = await createWorkspace();
    await expectError(await subscribe(ws, "bad", body), "invalid_request", { issuePaths: [path] });
    await expectError(await relayFetch(subscriberPath(ws, "bad")), "subscriber_not_found");
  });
});

describe("enable and disable (contract §9)", () => {
  it("disable gives reason manual and keeps the cursor; enable clears it; both are idempotent", async () => {
    const { workspaceId: ws } = await createWorkspace();
    await expectStatus(await subscribe(ws, "s1", { start: "beginning" }), 201);
    const disabled = await relayFetch(`${subscriberPath(ws, "s1")}/disable`, { method: "POST" });
    await expectStatus(disabled, 200);
    expect(SubscriberStatus.parse(await json(disabled))).toMatchObject({ state: "disabled", disabledReason: "manual", cursor: 0 });
    const again = await relayFetch(`${subscriberPath(ws, "s1")}/disable`, { method: "POST" });
    expect(await json(again)).toMatchObject({ state: "disabled", disabledReason: "manual" });

    const enabled = await relayFetch(`${subscriberPath(ws, "s1")}/enable`, { method: "POST" });
    await expectStatus(enabled, 200);
    expect(await json(enabled)).toMatchObject({ state: "active", disabledReason: null, cursor: 0, consecutiveFailures: 0 });
    const twice = await relayFetch(`${subscriberPath(ws, "s1")}/enable`, { method: "POST" });
    expect(await json(twice)).toMatchObject({ state: "active", disabledReason: null });
  });

  it("a PUT with enabled: false is a manual disable, and enabled: true undoes it", async () => {
    const { workspaceId: ws } = await createWorkspace();
    expect(await json(await subscribe(ws, "s1", { enabled: false }))).toMatchObject({ state: "disabled", disabledReason: "manual" });
    expect(await json(await subscribe(ws, "s1", { enabled: true }))).toMatchObject({ state: "active", disabledReason: null });
  });

  it("answers 404 for an unknown subscriber or workspace", async () => {
    const { workspaceId: ws } = await createWorkspace();
    await expectError(await relayFetch(`${subscriberPath(ws, "nobody")}/enable`, { method: "POST" }), "subscriber_not_found");
    await expectError(await relayFetch(`${subscriberPath("no-such-ws", "s1")}/disable`, { method: "POST" }), "workspace_not_found");
  });
});

describe("alert destinations admin (contract §9)", () => {
  it("creates with a secret shown once, updates, lists without secrets, and deletes", async () => {
    const { workspaceId: ws } = await createWorkspace();
    const created = await relayFetch(alertPath(ws, "ops"), { method: "PUT", body: { url: HOOK } });
    await expectStatus(created, 201);
    const body = AlertDestinationCreated.parse(await json(created));
    expect(body).toMatchObject({ id: "ops", url: HOOK, types: AlertType.options });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const updated = await relayFetch(alertPath(ws, "ops"), {
      method: "PUT",
      body: { url: `${HOOK}/2`, types: ["subscriber.disabled", "subscriber.disabled", "dead_letter.created"] },
    });
    await expectStatus(updated, 200);
    const updatedBody = await json<Record<string, unknown>>(updated);
    expect(updatedBody).toEqual({ id: "ops", url: `${HOOK}/2`, types: ["subscriber.disabled", "dead_letter.created"] });
    expect(AlertDestination.strict().safeParse(updatedBody).success).toBe(true);

    const list = AlertDestinationList.parse(await json(await relayFetch(`${workspacePath(ws)}/alerts`)));
    expect(list.alerts).toEqual([{ id: "ops", url: `${HOOK}/2`, types: ["subscriber.disabled", "dead_letter.created"] }]);
    expect(JSON.stringify(list)).not.toContain("whsec_");

    // Alert destinations are not subscribers.
    expect(await json(await relayFetch(`${workspacePath(ws)}/subscribers`))).toEqual({ subscribers: [] });
    expect((await getWorkspace(ws)).subscriberCount).toBe(0);

    await expectStatus(await relayFetch(alertPath(ws, "ops"), { method: "DELETE" }), 204);
    await expectError(await relayFetch(alertPath(ws, "ops"), { method: "DELETE" }), "alert_not_found");
    expect(await json(await relayFetch(`${workspacePath(ws)}/alerts`))).toEqual({ alerts: [] });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["no url", {}, "url"],
    ["an ftp url", { url: "ftp://hooks.example.com/x" }, "url"],
    ["an unknown type", { url: HOOK, types: ["subscriber.exploded"] }, "types.0"],
    ["an empty type list", { url: HOOK, types: [] }, "types"],
    ["an unknown field", { url: HOOK, secret: "whsec_x" }, ""],
  ])("refuses %s with 400", async (_name, body, path) => {
    const { workspaceId: ws } = await createWorkspace();
    await expectError(await relayFetch(alertPath(ws, "ops"), { method: "PUT", body }), "invalid_request", { issuePaths: [path] });
    expect(await json(await relayFetch(`${workspacePath(ws)}/alerts`))).toEqual({ alerts: [] });
  });

  it("needs the admin token, a valid id and an existing workspace", async () => {
    const { workspaceId: ws } = await createWorkspace();
    await expectError(await relayFetch(alertPath(ws, "ops"), { method: "PUT", body: { url: HOOK }, token: null }), "unauthorized");
    await expectError(await relayFetch(`${workspacePath(ws)}/alerts`, { token: "wrong" }), "unauthorized");
    await expectError(await relayFetch(alertPath(ws, "bad:id"), { method: "PUT", body: { url: HOOK } }), "invalid_request", { issues: true });
    await expectError(await relayFetch(alertPath("no-such-ws", "ops"), { method: "PUT", body: { url: HOOK } }), "workspace_not_found");
  });
});
