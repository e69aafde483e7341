import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("health", async () => {
  const res = await SELF.fetch("https://relay.test/health");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true, version: "0.1.0" });
});
