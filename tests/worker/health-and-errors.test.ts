import { SELF } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import pkg from "../../package.json";
import { handleError } from "../../src/http/errors";
import { BASE_URL, expectError, json, relayFetch } from "./helpers";

describe("GET /health (contract §7)", () => {
  it("answers 200 with ok and the package version, without auth", async () => {
    const res = await SELF.fetch(`${BASE_URL}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual({ ok: true, version: pkg.version });
  });
});

describe("errors (contract §0)", () => {
  it("unknown routes get 404 not_found in the contract's error shape", async () => {
    await expectError(await relayFetch("/nope"), "not_found");
    await expectError(await relayFetch("/v1/workspaces/ws-1/nope"), "not_found");
    await expectError(await relayFetch("/v1/workspaces/ws-1", { method: "PATCH", body: {} }), "not_found");
  });

  it("a real bug becomes 500 internal, leaking neither its message, its stack nor a secret", async () => {
    // The relay's own error handler, behind a route that fails the way a bug would.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const app = new Hono()
      .get("/bug", () => {
        throw new TypeError(`cannot read properties of undefined (secret ${secret})`);
      })
      .onError(handleError);
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args) => void logged.push(args));
    const res = await app.request("/bug");
    spy.mockRestore();
    const body = await expectError(res, "internal");
    const text = JSON.stringify(body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("undefined");
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    // The operator's log keeps the bug's message, with the secret masked.
    const log = JSON.stringify(logged);
    expect(log).toContain("cannot read properties of undefined");
    expect(log).not.toContain(secret.slice(6));
  });
});
