import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { ADMIN_TOKEN, BASE_URL, expectError, makeEvents } from "./helpers";

/**
 * The runtime's own overload signal cannot be produced on demand in a local workerd, so the
 * namespace here hands out stubs whose calls fail the way the runtime fails them
 * (`.overloaded`, or `.retryable` from the infrastructure). What is under test is the Worker's
 * answer to that, not the Durable Object.
 */
function envWithFailingWorkspaces(flags: { overloaded?: boolean; retryable?: boolean; remote?: boolean }) {
  const failingStub = new Proxy(
    {},
    {
      get: () => async () => {
        throw Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), flags);
      },
    },
  );
  const namespace = { idFromName: () => ({}), get: () => failingStub, getByName: () => failingStub };
  return { ...env, WORKSPACE: namespace as unknown as typeof env.WORKSPACE };
}

const ingestRequest = () =>
  new Request(`${BASE_URL}/v1/workspaces/busy/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x" },
    body: JSON.stringify({ events: makeEvents(1) }),
  });

describe("an overloaded workspace Durable Object", () => {
  it("answers 503 overloaded with Retry-After, never a 500", async () => {
    for (const flags of [{ overloaded: true }, { retryable: true }]) {
      const res = await app.fetch(ingestRequest(), envWithFailingWorkspaces(flags), createExecutionContext());
      await expectError(res, "overloaded");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("answers the same on admin reads", async () => {
    const req = new Request(`${BASE_URL}/v1/workspaces/busy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const res = await app.fetch(req, envWithFailingWorkspaces({ overloaded: true }), createExecutionContext());
    await expectError(res, "overloaded");
  });

  it("still reports a bug thrown by the relay's own code as 500 internal", async () => {
    const res = await app.fetch(ingestRequest(), envWithFailingWorkspaces({ retryable: true, remote: true }), createExecutionContext());
    await expectError(res, "internal");
  });
});
