import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { csrfTokenFor, issueSessionValue, SESSION_COOKIE } from "../../src/console/session";
import { ADMIN_TOKEN, BASE_URL, createWorkspace, nowSeconds, uniqueId } from "./helpers";

/** The console's session rules, on the Worker itself (the browser test drives the happy path). */
const page = (path: string, cookie?: string, init: RequestInit = {}) =>
  SELF.fetch(`${BASE_URL}/console${path}`, { ...init, redirect: "manual", headers: { ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}), ...(init.headers as Record<string, string>) } });

describe("console session", () => {
  it("serves GET /console without a session as a page (200, HTML, the login form) holding no data", async () => {
    const ws = uniqueId();
    await createWorkspace({}, ws);
    for (const path of ["", "/"]) {
      const res = await page(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('name="token"');
      expect(html).not.toContain(ws);
    }
    // A form posted without a session is refused, not acted on.
    const posted = await page(`/w/${ws}/keys`, undefined, { method: "POST" });
    expect(posted.status).toBe(401);
  });

  it("serves a view to a live session, and the login page to an expired or foreign one", async () => {
    const ws = uniqueId();
    await createWorkspace({}, ws);
    const live = await issueSessionValue(ADMIN_TOKEN, nowSeconds() + 60);
    const ok = await page(`/w/${ws}`, live);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`<h1>${ws}</h1>`);

    for (const cookie of [await issueSessionValue(ADMIN_TOKEN, nowSeconds() - 1), await issueSessionValue("another-relays-token", nowSeconds() + 60), ADMIN_TOKEN]) {
      const res = await page(`/w/${ws}`, cookie);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('name="token"');
      expect(html).not.toContain(`<h1>${ws}</h1>`);
    }
  });

  it("sets a Secure, HttpOnly, SameSite=Strict cookie off loopback, and clears it on logout", async () => {
    const login = await page("/login", undefined, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE_URL },
      body: `token=${encodeURIComponent(ADMIN_TOKEN)}`,
    });
    expect(login.status).toBe(303);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.[0-9a-f]{64};`));
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain(ADMIN_TOKEN);

    const session = /=([^;]+);/.exec(setCookie)![1]!;
    const csrf = await csrfTokenFor(ADMIN_TOKEN, session);
    const logout = await page("/logout", session, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE_URL },
      body: `_csrf=${csrf}`,
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
  });

  it("refuses a login posted from another origin", async () => {
    const res = await page("/login", undefined, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: `token=${encodeURIComponent(ADMIN_TOKEN)}`,
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});
