import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery";
import { ATTEMPTS_PER_INVOCATION } from "../../src/contract/delivery-messages";
import { receiverPool, type Receiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
const receivers = receiverPool();

beforeAll(async () => {
  relay = await startRelay();
  client = relayClient(relay.url);
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

const receiver = () => receivers.start();

const delivered = (r: Receiver) => r.requests.map((q) => DeliveryBody.parse(JSON.parse(q.body)));
const ids = (r: Receiver) => delivered(r).flatMap((b) => b.events.map((e) => e.id));
const status = async (ws: string, id: string) =>
  (await client.call("GET", `/v1/workspaces/${ws}/subscribers/${id}`)).body;

describe("filters", () => {
  it("deliver exactly the events matching entityKinds, eventTypes and excludeOrigins", async () => {
    const ingress = await client.createWorkspace("filters");
    const [kinds, types, origins, all] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    const subs = {
      kinds: { url: kinds.url, filter: { entityKinds: ["task"] } },
      types: { url: types.url, filter: { eventTypes: ["create", "delete"] } },
      origins: { url: origins.url, excludeOrigins: ["app-b"] },
      all: { url: all.url },
    };
    for (const [id, sub] of Object.entries(subs)) {
      const res = await client.call("PUT", `/v1/workspaces/filters/subscribers/${id}`, { kind: "webhook", ...sub });
      expect(res.status).toBe(201);
    }
    const kindsOf = ["user", "task"];
    const typesOf = ["create", "update", "delete"];
    const originsOf = ["app-a", "app-b", "app-c"];
    const events = Array.from({ length: 36 }, (_, i) =>
      makeEvent(`x${i}`, {
        entityKind: kindsOf[i % 2],
        eventType: typesOf[i % 3],
        source: { origin: originsOf[Math.floor(i / 6) % 3] },
      }),
    );
    await client.ingest("filters", ingress, events);
    await eventually(() => ids(all).length === 36, 30_000);
    const expected = (keep: (e: (typeof events)[number]) => boolean) => events.filter(keep).map((e) => e.id);
    await eventually(async () => (await status("filters", "kinds")).lag === 0 && (await status("filters", "types")).lag === 0 && (await status("filters", "origins")).lag === 0, 30_000);
    expect(ids(kinds)).toEqual(expected((e) => e.entityKind === "task"));
    expect(ids(types)).toEqual(expected((e) => e.eventType === "create" || e.eventType === "delete"));
    expect(ids(origins)).toEqual(expected((e) => e.source.origin !== "app-b"));
    expect(ids(all)).toEqual(events.map((e) => e.id));
    // lag counts only matching events.
    await client.ingest("filters", ingress, [makeEvent("late", { entityKind: "user" })]);
    const kindsStatus = await status("filters", "kinds");
    expect(kindsStatus.lag).toBe(0);
  });

  it("give subscribers at one cursor their own batches, also when a filter's matches lie far apart", async () => {
    const ingress = await client.createWorkspace("sparse");
    const [dense, sparse] = await Promise.all([receiver(), receiver()]);
    const subs = {
      dense: { url: dense.url, maxBatchSize: 3 },
      sparse: { url: sparse.url, maxBatchSize: 3, filter: { entityKinds: ["rare"] } },
    };
    for (const [id, sub] of Object.entries(subs)) {
      const res = await client.call("PUT", `/v1/workspaces/sparse/subscribers/${id}`, { kind: "webhook", ...sub });
      expect(res.status).toBe(201);
    }
    // The first three events, all a 3-event batch of `dense` needs, hold none of `sparse`'s.
    const events = Array.from({ length: 20 }, (_, i) =>
      makeEvent(`sp${i}`, { entityKind: i === 10 || i === 15 ? "rare" : "common" }),
    );
    await client.ingest("sparse", ingress, events);
    await eventually(() => ids(dense).length === 20 && ids(sparse).length === 2, 30_000);
    expect(ids(dense)).toEqual(events.map((e) => e.id));
    expect(delivered(dense).every((b) => b.events.length <= 3)).toBe(true);
    expect(ids(sparse)).toEqual(["sp10", "sp15"]);
    expect(delivered(sparse)).toHaveLength(1);
  });
});

describe("start positions and replay", () => {
  it("start at head, the beginning or after a version, and replay re-sends from n+1 in order", async () => {
    const ingress = await client.createWorkspace("starts");
    await client.ingest("starts", ingress, Array.from({ length: 5 }, (_, i) => makeEvent(`s${i}`)));
    const [head, beginning, after] = await Promise.all([receiver(), receiver(), receiver()]);
    const starts = { head: ["head", head], beginning: ["beginning", beginning], after: [{ afterVersion: 3 }, after] } as const;
    for (const [id, [start, r]] of Object.entries(starts)) {
      const res = await client.call("PUT", `/v1/workspaces/starts/subscribers/${id}`, { kind: "webhook", url: r.url, start });
      expect(res.status).toBe(201);
      expect(res.body.cursor).toBe(id === "head" ? 5 : id === "beginning" ? 0 : 3);
    }
    await client.ingest("starts", ingress, [makeEvent("s5")]);
    await eventually(async () => {
      const all = await Promise.all(["head", "beginning", "after"].map((id) => status("starts", id)));
      return all.every((s) => s.lag === 0 && s.inFlight === null);
    }, 30_000);
    expect(ids(head)).toEqual(["s5"]);
    expect(ids(beginning)).toEqual(["s0", "s1", "s2", "s3", "s4", "s5"]);
    expect(ids(after)).toEqual(["s3", "s4", "s5"]);
    expect(delivered(head)[0]!.prevVersion).toBe(5);
    expect(delivered(after)[0]!.prevVersion).toBe(3);

    // `start` is used only at creation.
    const update = await client.call("PUT", "/v1/workspaces/starts/subscribers/head", { kind: "webhook", url: head.url, start: "beginning" });
    expect(update.status).toBe(200);
    expect(update.body.cursor).toBe(6);

    const replay = await client.call("POST", "/v1/workspaces/starts/subscribers/head/replay", { afterVersion: 2 });
    expect(replay.status).toBe(200);
    expect(replay.body.cursor).toBe(2);
    await eventually(async () => (await status("starts", "head")).lag === 0, 30_000);
    const replayed = delivered(head).slice(1);
    expect(replayed[0]!.prevVersion).toBe(2);
    expect(replayed.flatMap((b) => b.events.map((e) => e.version))).toEqual([3, 4, 5, 6]);

    const tooFar = await client.call("POST", "/v1/workspaces/starts/subscribers/head/replay", { afterVersion: 99 });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.code).toBe("invalid_request");
  });

  it("pause holds deliveries and resume releases them in order", async () => {
    const ingress = await client.createWorkspace("pausing");
    const r = await receiver();
    await client.call("PUT", "/v1/workspaces/pausing/subscribers/p", { kind: "webhook", url: r.url });
    const paused = await client.call("POST", "/v1/workspaces/pausing/subscribers/p/pause");
    expect(paused.body.state).toBe("paused");
    await client.ingest("pausing", ingress, [makeEvent("a"), makeEvent("b")]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(r.requests).toHaveLength(0);
    expect((await status("pausing", "p")).lag).toBe(2);
    const resumed = await client.call("POST", "/v1/workspaces/pausing/subscribers/p/resume");
    expect(resumed.body.state).toBe("active");
    await eventually(() => ids(r).length === 2, 30_000);
    expect(ids(r)).toEqual(["a", "b"]);
  });
});

// A fan-out shares its DeliveryWorker invocations, up to six attempts each. What a subscriber
// sees of that: every subscriber still gets everything, in order, and one that does not answer
// holds back none of the attempts that share its invocation.
describe("attempts sharing an invocation", () => {
  it("delivers everything in order past a subscriber that holds its first request, in every invocation", async () => {
    const workspace = "invocations";
    const ingress = await client.createWorkspace(workspace);
    // More subscribers than one invocation carries, with the stuck one in the first invocation.
    const count = 2 * ATTEMPTS_PER_INVOCATION + 1;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const stuck = await receivers.start(async (_req, res) => {
      await released;
      res.writeHead(200).end("ok");
    });
    const healthy = await Promise.all(Array.from({ length: count - 1 }, () => receivers.start()));
    const all = [healthy[0]!, stuck, ...healthy.slice(1)];
    for (const [i, r] of all.entries()) {
      const res = await client.call("PUT", `/v1/workspaces/${workspace}/subscribers/s${i}`, { kind: "webhook", url: r.url });
      expect(res.status).toBe(201);
    }

    const events = Array.from({ length: 40 }, (_, i) => makeEvent(`inv${i}`));
    for (let i = 0; i < events.length; i += 8) await client.ingest(workspace, ingress, events.slice(i, i + 8));
    const sent = events.map((e) => e.id);

    // Every other subscriber gets all of it while the stuck one's first attempt is unanswered,
    // well before that attempt's 15 s timeout would free its invocation.
    await eventually(() => healthy.every((r) => ids(r).length === sent.length), 10_000);
    for (const r of healthy) expect(ids(r)).toEqual(sent);
    expect(stuck.requests).toHaveLength(1);

    release();
    await eventually(() => ids(stuck).length >= sent.length, 30_000);
    expect(ids(stuck)).toEqual(sent);
    const status = (await client.call("GET", `/v1/workspaces/${workspace}/subscribers/s1`)).body;
    expect(status).toMatchObject({ cursor: expect.any(Number), lag: 0 });
  });
});
