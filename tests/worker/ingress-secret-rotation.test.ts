import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  createWorkspace,
  expectError,
  ingest,
  makeEvent,
  observable,
  pollUntil,
  rotateIngressSecret,
  signedIngest,
  workspaceStub,
} from "./helpers";

/** Ingest of one fresh event signed by `secret`: the HTTP status. */
async function ingestStatus(workspaceId: string, secret: string | string[]): Promise<number> {
  const res = await signedIngest(workspaceId, { events: [makeEvent()] }, secret);
  await res.body?.cancel();
  return res.status;
}

describe("ingress secret rotation (contract §1)", () => {
  it("accepts both secrets until the grace ends, then only the new one", async () => {
    const { workspaceId, ingressSecret: oldSecret } = await createWorkspace();
    // Long enough that the first checks below surely land inside it, even on a loaded machine.
    const graceSeconds = 5;
    const { ingressSecret: newSecret, previousValidUntil } = await rotateIngressSecret(workspaceId, { graceSeconds });

    expect(await ingestStatus(workspaceId, oldSecret)).toBe(200);
    expect(await ingestStatus(workspaceId, newSecret)).toBe(200);
    expect(await ingestStatus(workspaceId, [oldSecret, newSecret])).toBe(200);
    // The checks above must have run inside the grace, or they proved nothing.
    expect(Date.now()).toBeLessThan(previousValidUntil);

    await pollUntil(() => Date.now() > previousValidUntil, { what: "the grace period to end" });
    const before = await observable(workspaceId);
    await expectError(await signedIngest(workspaceId, { events: [makeEvent()] }, oldSecret), "invalid_signature");
    expect(await observable(workspaceId)).toEqual(before);
    expect(await ingestStatus(workspaceId, newSecret)).toBe(200);
    // A request carrying both signatures still passes on the new one.
    expect(await ingestStatus(workspaceId, [oldSecret, newSecret])).toBe(200);
  }, 30_000);

  it("graceSeconds 0 retires the old secret at once", async () => {
    const { workspaceId, ingressSecret: oldSecret } = await createWorkspace();
    const { ingressSecret: newSecret } = await rotateIngressSecret(workspaceId, { graceSeconds: 0 });
    expect(await ingestStatus(workspaceId, oldSecret)).toBe(401);
    expect(await ingestStatus(workspaceId, newSecret)).toBe(200);
  });

  it("a second rotation shortens, but never lengthens, the earlier secrets' grace", async () => {
    const { workspaceId, ingressSecret: first } = await createWorkspace();
    const { ingressSecret: second } = await rotateIngressSecret(workspaceId, { graceSeconds: 3600 });
    const { ingressSecret: third } = await rotateIngressSecret(workspaceId, { graceSeconds: 0 });
    expect(await ingestStatus(workspaceId, first)).toBe(401);
    expect(await ingestStatus(workspaceId, second)).toBe(401);
    expect(await ingestStatus(workspaceId, third)).toBe(200);

    const { ingressSecret: fourth } = await rotateIngressSecret(workspaceId, { graceSeconds: 3600 });
    expect(await ingestStatus(workspaceId, third)).toBe(200);
    expect(await ingestStatus(workspaceId, fourth)).toBe(200);
    // The long grace of the latest rotation did not revive the retired secrets.
    expect(await ingestStatus(workspaceId, first)).toBe(401);
  });

  it("rotated secrets and their grace survive a Durable Object eviction", async () => {
    const { workspaceId, ingressSecret: oldSecret } = await createWorkspace();
    const { ingressSecret: newSecret } = await rotateIngressSecret(workspaceId, { graceSeconds: 3600 });
    await ingest(workspaceId, newSecret, [makeEvent()]);
    await evictDurableObject(workspaceStub(workspaceId));
    expect(await ingestStatus(workspaceId, oldSecret)).toBe(200);
    expect(await ingestStatus(workspaceId, newSecret)).toBe(200);

    const { ingressSecret: latest } = await rotateIngressSecret(workspaceId, { graceSeconds: 0 });
    await evictDurableObject(workspaceStub(workspaceId));
    expect(await ingestStatus(workspaceId, oldSecret)).toBe(401);
    expect(await ingestStatus(workspaceId, newSecret)).toBe(401);
    expect(await ingestStatus(workspaceId, latest)).toBe(200);
  });
});
