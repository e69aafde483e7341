import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiverPool } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";
import { launchBrowser, screenshot, seriousAxeViolations, type Browser } from "./browser";

/**
 * The operator console, end to end: a real relay (workerd), real receivers, a real Chromium.
 * The admin token is random and long, so finding it anywhere is never a coincidence.
 */
const ADMIN_TOKEN = `console-admin-${randomUUID()}`;
const WS = "shop";
const FAILURE_BODY = "upstream database is down (pool exhausted)";

// Everything the relay and this process print, to prove the token never reaches a log line.
const logLines: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    logLines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
let ingress: string;
let browser: Browser;
let page: Page;
let evilSite: Server;
let evilOrigin: string;
const receivers = receiverPool();
/** How long a view may take to show what it should (the relay and the browser share a busy machine). */
const POLL = { timeout: 30_000, interval: 100 };

const consoleUrl = (path = "") => `${relay.url}/console${path}`;
const subscriberState = async (id: string) => (await client.call("GET", `/v1/workspaces/${WS}/subscribers/${id}`)).body.state as string;

/** A page of another site (another port of 127.0.0.1) that posts a form to the console as soon as it loads. */
function startEvilSite(): Promise<Server> {
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? "/", "http://x").searchParams.get("target") ?? "";
    const csrf = new URL(req.url ?? "/", "http://x").searchParams.get("csrf");
    res.writeHead(200, { "content-type": "text/html" }).end(
      `<!doctype html><title>win a prize</title><form id="f" method="post" action="${target}">${csrf ? `<input name="_csrf" value="${csrf}">` : ""}</form><script>document.getElementById("f").submit()</script>`,
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function expectAccessible(name: string) {
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
}

async function logIn(token: string) {
  await page.goto(consoleUrl());
  // By keyboard: the token field has focus on arrival, and Enter submits.
  await page.keyboard.type(token);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
}

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_ADMIN_TOKEN: ADMIN_TOKEN, RELAY_RETRY_SCHEDULE: "1", RELAY_RETRY_MAX_AGE_SECONDS: "3" } });
  client = relayClient(relay.url, ADMIN_TOKEN);
  ingress = await client.createWorkspace(WS);
  await client.createWorkspace("empty-one");
  const healthy = await receivers.start();
  const failing = await receivers.start((_req, res) => res.writeHead(500, { "content-type": "text/plain" }).end(FAILURE_BODY));
  for (const [id, url, onExhausted] of [
    ["orders-hook", healthy.url, "pause"],
    ["billing-hook", failing.url, "dead-letter"],
  ] as const) {
    const res = await client.call("PUT", `/v1/workspaces/${WS}/subscribers/${id}`, { kind: "webhook", url, onExhausted });
    expect(res.status).toBe(201);
  }
  await client.ingest(WS, ingress, [
    makeEvent("evt_order_1", { entityKind: "order", entityId: "ord_1001", eventType: "create" }),
    makeEvent("evt_order_2", { entityKind: "order", entityId: "ord_1002", eventType: "create" }),
    makeEvent("evt_user_1", { entityKind: "user", entityId: "usr_7", eventType: "update" }),
  ]);
  await eventually(async () => (await client.call("GET", `/v1/workspaces/${WS}/subscribers/billing-hook`)).body.deadLetterCount >= 1, 90_000);
  evilSite = await startEvilSite();
  evilOrigin = `http://127.0.0.1:${(evilSite.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (evilSite ? evilSite.close(() => r(null)) : r(null)));
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

describe("operator console in Chromium", () => {
  it("gives no data without a session: pages get the login form, JSON and the feed get 401", async () => {
    const pageRes = await fetch(consoleUrl(`/w/${WS}`));
    expect(pageRes.status).toBe(200);
    const html = await pageRes.text();
    expect(html).toContain("Admin token");
    expect(html).not.toContain("orders-hook");
    const jsonRes = await fetch(consoleUrl(`/w/${WS}/s/billing-hook`), { headers: { accept: "application/json" } });
    expect(jsonRes.status).toBe(401);
    expect(await jsonRes.json()).toMatchObject({ error: { code: "unauthorized" } });
    const forged = await fetch(consoleUrl(`/w/${WS}`), { headers: { cookie: `relay_console=9999999999.${"0".repeat(64)}` } });
    expect(forged.status).toBe(200);
    expect(await forged.clone().text()).toContain("Admin token");
    expect(await forged.text()).not.toContain("orders-hook");
  });

  it("refuses a wrong token and sets no session", async () => {
    await logIn("not-the-token");
    await expect.poll(() => page.getByRole("alert").innerText(), POLL).toMatch("That is not the admin token");
    expect(await browser.context.cookies()).toEqual([]);
    await expectAccessible("login");
  });

  it("logs in with a signed HttpOnly SameSite=Strict cookie that is not the token, and lists the workspaces", async () => {
    await logIn(ADMIN_TOKEN);
    expect(new URL(page.url()).pathname).toBe("/console");
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ name: "relay_console", httpOnly: true, sameSite: "Strict", path: "/console" });
    expect(cookie!.value).not.toContain(ADMIN_TOKEN);
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);

    const row = page.getByRole("row", { name: new RegExp(`^${WS}\\b`) });
    await expect.poll(async () => (await row.getByRole("cell").nth(1).innerText()).trim(), POLL).toBe("2");
    await expect.poll(() => row.innerText(), POLL).toMatch("failing billing-hook");
    await expect.poll(() => page.getByRole("row", { name: /^empty-one/ }).innerText(), POLL).toMatch("no subscribers");
    await expectAccessible("workspaces");
    // The first Tab reaches the skip link, which moves focus past the header.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Skip to content");
  });

  it("shows a workspace: chart, subscribers with state and lag, alerts and read keys", async () => {
    await page.getByRole("link", { name: WS, exact: true }).click();
    await expect.poll(async () => (await page.getByRole("heading", { level: 1 }).innerText()).trim(), POLL).toBe(WS);
    await page.getByRole("img", { name: /Throughput/ }).waitFor({ state: "visible" });
    await expect.poll(() => page.getByRole("row", { name: /orders-hook/ }).innerText(), POLL).toMatch("active");
    await expect.poll(() => page.getByRole("row", { name: /billing-hook/ }).innerText(), POLL).toMatch(FAILURE_BODY.slice(0, 20));
    await page.getByText("No alert destinations").waitFor({ state: "visible" });

    await expectAccessible("workspace");

    await page.getByLabel("New read key name").fill("replica-eu");
    await page.getByRole("button", { name: "Create read key" }).click();
    const shown = await page.locator(".secret-value").inputValue();
    expect(shown).toMatch(/^rk_shop\./);
    await expectAccessible("workspace-new-key");
    // Shown once: a fresh look at the page lists the key without it.
    await page.goto(consoleUrl(`/w/${WS}`));
    await page.getByRole("row", { name: /replica-eu/ }).waitFor({ state: "visible" });
    expect(await page.content()).not.toContain(shown);
    await page.getByRole("button", { name: "Revoke replica-eu" }).click();
    await expect.poll(() => page.getByRole("status").innerText(), POLL).toMatch("Read key revoked");
    expect((await client.call("GET", `/v1/workspaces/${WS}/keys`)).body.keys).toEqual([]);
  });

  it("opens the failing subscriber: attempts with the 500 body, redelivers a dead letter, pauses and resumes", async () => {
    await page.getByRole("link", { name: "billing-hook" }).click();
    await expect.poll(async () => (await page.getByRole("heading", { level: 1 }).innerText()).trim(), POLL).toBe("billing-hook");
    const attempts = page.getByRole("region", { name: "Delivery attempts" });
    const failed = attempts.getByRole("row").filter({ hasText: "failure" }).first();
    await expect.poll(() => failed.innerText(), POLL).toMatch("500");
    await expect.poll(() => failed.innerText(), POLL).toMatch(/\b(fast-path|queue)\b/);
    await failed.getByText("Response", { exact: true }).focus();
    await page.keyboard.press("Enter");
    await failed.locator("pre").waitFor({ state: "visible" });
    expect(await failed.locator("pre").innerText()).toBe(FAILURE_BODY);

    const deadLetters = page.getByRole("region", { name: "Dead letters" });
    await expect.poll(() => deadLetters.getByRole("row").count(), POLL).toBe(2);
    await expectAccessible("subscriber");
    await deadLetters.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => page.getByRole("status").innerText(), POLL).toMatch("Redelivery queued");
    await eventually(async () => {
      await page.reload();
      return (await attempts.getByText("redeliver", { exact: true }).count()) > 0;
    }, 60_000, 500);

    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.getByRole("status").innerText(), POLL).toMatch("Paused");
    expect(await subscriberState("billing-hook")).toBe("paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.getByRole("status").innerText(), POLL).toMatch("Resumed");
    expect(await subscriberState("billing-hook")).not.toBe("paused");
  });

  it("shows an API error in words", async () => {
    await page.getByLabel("Replay after version").fill("99999");
    await page.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => page.getByRole("alert").innerText(), POLL).toMatch("afterVersion: must be at most the head (3)");
  });

  it("browses events newest first, filters by entity, and pretty-prints one", async () => {
    await page.goto(consoleUrl(`/w/${WS}`));
    await page.getByRole("link", { name: "Events" }).click();
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count(), POLL).toBe(3);
    await expect.poll(() => rows.first().innerText(), POLL).toMatch("usr_7");
    await page.getByLabel("Entity id").fill("ord_1002");
    await page.getByRole("button", { name: "Filter" }).click();
    expect(new URL(page.url()).searchParams.get("entityId")).toBe("ord_1002");
    await expect.poll(() => rows.count(), POLL).toBe(1);
    await expect.poll(() => rows.first().innerText(), POLL).toMatch("evt_order_2");
    await expectAccessible("events");
    await rows.first().getByRole("link").click();
    await expect.poll(() => page.locator("pre.json").innerText(), POLL).toMatch('"entityId": "ord_1002"');
    await expectAccessible("event");
    await page.goBack();
    await expect.poll(() => page.getByLabel("Entity id").inputValue(), POLL).toBe("ord_1002");
  });

  it("shows a newly ingested event in the live tail without a reload", async () => {
    await page.goto(consoleUrl(`/w/${WS}`));
    await page.getByRole("link", { name: "Live tail" }).click();
    await expect.poll(() => page.locator("#live-status").innerText(), POLL).toMatch("Live");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await client.ingest(WS, ingress, [makeEvent("evt_live_1", { entityKind: "order", entityId: "ord_live_42" })]);
    await expect.poll(() => page.locator("#live-tail tbody tr").first().innerText(), POLL).toMatch("ord_live_42");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectAccessible("live-tail");
    const feedUrl = browser.urls.find((u) => u.startsWith("ws://"));
    expect(feedUrl).toMatch(new RegExp(`/console/w/${WS}/feed\\?after=\\d+$`));
  });

  it("refuses a cross-site form post, and a post without the CSRF token, with the session cookie attached", async () => {
    const target = consoleUrl(`/w/${WS}/s/orders-hook/pause`);
    const evil = await browser.context.newPage();
    const answer = evil.waitForResponse((res) => res.url() === target);
    await evil.goto(`${evilOrigin}/?target=${encodeURIComponent(target)}`);
    expect((await answer).status()).toBe(403);
    await expect.poll(() => evil.locator("body").innerText(), POLL).toMatch("CSRF check failed");
    await evil.close();
    expect(await subscriberState("orders-hook")).toBe("active");

    // Same origin but no token (what a script elsewhere without the page could send).
    const cookie = (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const noToken = await fetch(target, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: "", redirect: "manual" });
    expect(noToken.status).toBe(403);
    const wrongToken = await fetch(target, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${"a".repeat(64)}`, redirect: "manual" });
    expect(wrongToken.status).toBe(403);
    expect(await subscriberState("orders-hook")).toBe("active");
    // The token from a console page does work: the refusals above are the CSRF check's.
    await page.goto(consoleUrl(`/w/${WS}/s/orders-hook`));
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const withToken = await fetch(target, { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${csrf}`, redirect: "manual" });
    expect(withToken.status).toBe(303);
    expect(await subscriberState("orders-hook")).toBe("paused");
  });

  it("logs out: the cookie is cleared and the console asks for the token again", async () => {
    await page.goto(consoleUrl());
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Admin token", { exact: true }).waitFor({ state: "visible" });
    expect(await browser.context.cookies()).toEqual([]);
    await page.goto(consoleUrl(`/w/${WS}`));
    await page.getByLabel("Admin token", { exact: true }).waitFor({ state: "visible" });
    expect(await page.content()).not.toContain("orders-hook");
  });

  it("never puts the admin token in a URL, a page or a log line", async () => {
    expect(browser.urls.length).toBeGreaterThan(20);
    expect(browser.urls.filter((u) => u.includes(ADMIN_TOKEN))).toEqual([]);
    expect(browser.documents.length).toBeGreaterThan(10);
    expect(browser.documents.filter((d) => d.includes(ADMIN_TOKEN))).toEqual([]);
    expect(logLines.filter((l) => l.includes(ADMIN_TOKEN))).toEqual([]);
  });
});
