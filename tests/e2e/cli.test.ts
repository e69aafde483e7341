import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../cli/main";
import { runCli, startCli, type CliResult } from "../support/cli";
import { receiverPool } from "../support/receiver";
import { ADMIN_TOKEN, eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

/**
 * The `relay` CLI as a user runs it: a real process against a real local relay, every command
 * in table and --json form, its exit codes (0 ok, 1 API error, 2 usage error), and that a
 * secret appears only in the output of the command that creates it.
 */

let relay: LocalRelay;
let env: Record<string, string>;
let dir: string;
const receivers = receiverPool();
/** Output of every command that must not show a secret; checked against all secrets at the end. */
const nonCreateOutputs: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_RETRY_SCHEDULE: "1", RELAY_RETRY_MAX_AGE_SECONDS: "2" } });
  env = { RELAY_URL: relay.url, RELAY_ADMIN_TOKEN: ADMIN_TOKEN };
  dir = await mkdtemp(join(tmpdir(), "relay-cli-"));
});

afterAll(async () => {
  await receivers.closeAll();
  await relay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a command that must succeed, recording its output as one that must show no secret. */
async function ok(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const result = await runCli(args, { ...env, ...extraEnv });
  expect(result, `relay ${args.join(" ")}`).toMatchObject({ code: 0 });
  nonCreateOutputs.push(result.stdout + result.stderr);
  return result.stdout;
}

async function okJson(args: string[], extraEnv: Record<string, string> = {}): Promise<any> {
  return JSON.parse(await ok(["--json", ...args], extraEnv));
}

/** A command that creates a secret: its output is the one place the secret may appear. */
async function creates(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const result = await runCli(args, { ...env, ...extraEnv });
  expect(result, `relay ${args.join(" ")}`).toMatchObject({ code: 0 });
  return result.stdout;
}

function expectFailure(result: CliResult, code: 1 | 2, stderr: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(stderr);
}

function secretIn(output: string, prefix: "whsec_" | "rk_"): string {
  const match = new RegExp(`${prefix}[A-Za-z0-9+/=._-]+`).exec(output);
  expect(match, output).not.toBeNull();
  secrets.push(match![0]);
  return match![0];
}

describe("configuration and usage errors", () => {
  it("names a missing URL or token, and exits 2", async () => {
    expectFailure(await runCli(["workspaces", "list"], { RELAY_ADMIN_TOKEN: ADMIN_TOKEN }), 2, /no relay URL: set RELAY_URL or pass --url/);
    expectFailure(await runCli(["workspaces", "list"], { RELAY_URL: relay.url }), 2, /no admin token: set RELAY_ADMIN_TOKEN or pass --token/);
    // --url and --token work as well as the environment.
    const viaFlags = await runCli(["--url", relay.url, "--token", ADMIN_TOKEN, "workspaces", "list"]);
    expect(viaFlags.code, viaFlags.stderr).toBe(0);
  });

  it("exits 2 on an unknown command, a bad option value, a missing workspace or an unconfirmed delete", async () => {
    expectFailure(await runCli(["workspace", "list"], env), 2, /unknown command/);
    expectFailure(await runCli(["events", "list", "-w", "x", "--limit", "many"], env), 2, /expected an integer/);
    expectFailure(await runCli(["subscribers", "list"], env), 2, /--workspace <id>/);
    expectFailure(await runCli(["workspaces", "delete", "x"], env), 2, /add --yes to confirm/);
    expectFailure(await runCli(["subscribers"], env), 2, /Usage: relay subscribers/);
  });

  it("exits 1 with the API's code and message on an API error", async () => {
    expectFailure(await runCli(["workspaces", "get", "missing-ws"], env), 1, /workspace_not_found: .*\(HTTP 404\)/);
    expectFailure(await runCli(["workspaces", "list"], { ...env, RELAY_ADMIN_TOKEN: "wrong" }), 1, /unauthorized/);
    expectFailure(await runCli(["workspaces", "create", "bad id!"], env), 1, /invalid_request/);
  });

  it("answers --help on every command with exit 0", async () => {
    const paths: string[][] = [[]];
    for (const group of buildProgram().commands) {
      paths.push([group.name()]);
      for (const command of group.commands) paths.push([group.name(), command.name()]);
    }
    expect(paths.length).toBeGreaterThan(35);
    for (let i = 0; i < paths.length; i += 4) {
      const results = await Promise.all(paths.slice(i, i + 4).map((path) => runCli([...path, "--help"])));
      results.forEach((result, j) => {
        expect(result.code, paths[i + j]!.join(" ")).toBe(0);
        expect(result.stdout).toContain(`Usage: relay ${paths[i + j]!.join(" ")}`.trim());
      });
    }
  });

  it("runs as `npx relay` from the checkout", async () => {
    const { stdout } = await promisify(execFile)("npx", ["relay", "--help"], { cwd: resolve(import.meta.dirname, "../.."), env: process.env });
    expect(stdout).toContain("Usage: relay [options] [command]");
  });
});

describe("commands against a relay", () => {
  const ws = "cli-ws";
  let ingressSecret: string;

  it("workspaces create, list, get and rotate-secret", async () => {
    const created = await creates(["workspaces", "create", ws]);
    expect(created).toContain(`Created workspace ${ws}`);
    ingressSecret = secretIn(created, "whsec_");

    // Again: the settings are updated and the secret is not shown a second time.
    expect(await ok(["workspaces", "create", ws, "--retention-days", "3"])).toMatch(/already exists[\s\S]*retention days:\s+3/);

    const createdJson = JSON.parse(await creates(["--json", "workspaces", "create", "cli-ws2"]));
    expect(createdJson).toMatchObject({ workspaceId: "cli-ws2", ingressSecret: expect.stringMatching(/^whsec_/) });
    secrets.push(createdJson.ingressSecret);

    const table = await ok(["workspaces", "list"]);
    expect(table).toMatch(/^WORKSPACE\s+HEAD\s+SUBSCRIBERS\s+CREATED$/m);
    expect(table).toMatch(/^cli-ws\s+0\s+0\s/m);
    const page = await okJson(["workspaces", "list", "--limit", "1"]);
    expect(page).toEqual({ workspaces: [expect.objectContaining({ workspaceId: ws })], nextCursor: ws });

    expect(await ok(["workspaces", "get", ws])).toMatch(/^workspace:\s+cli-ws$/m);
    expect(await okJson(["workspaces", "get", ws])).toMatchObject({ workspaceId: ws, head: 0, retentionDays: 3 });

    const rotated = await creates(["workspaces", "rotate-secret", "cli-ws2", "--grace-seconds", "0"]);
    expect(rotated).toMatch(/New ingress secret: whsec_/);
    secretIn(rotated, "whsec_");
    const rotatedJson = JSON.parse(await creates(["--json", "workspaces", "rotate-secret", "cli-ws2"]));
    expect(rotatedJson).toEqual({ ingressSecret: expect.stringMatching(/^whsec_/), previousValidUntil: expect.any(Number) });
    secrets.push(rotatedJson.ingressSecret);
  });

  it("send signs a file with the ingress secret and ingests it", async () => {
    const file = join(dir, "events.json");
    await writeFile(
      file,
      JSON.stringify({
        events: [
          makeEvent("u1", { entityKind: "user", entityId: "u_1", eventType: "create" }),
          makeEvent("t1", { entityKind: "task", entityId: "t_1", eventType: "create" }),
          makeEvent("t1b", { entityKind: "task", entityId: "t_1", eventType: "update", source: { origin: "app-b" } }),
        ],
      }),
    );
    const sent = await ok(["send", "-w", ws, "--file", file], { RELAY_INGRESS_SECRET: ingressSecret });
    expect(sent).toMatch(/^t1\s+2\s+no$/m);
    expect(sent).toContain("Ingested 3 new event(s), 0 duplicate(s); head is 3.");

    // The same file again: all duplicates, as JSON; a bare array works too.
    const again = await okJson(["send", "-w", ws, "--file", file], { RELAY_INGRESS_SECRET: ingressSecret });
    expect(again).toEqual({ results: [1, 2, 3].map((version) => expect.objectContaining({ version, duplicate: true })), head: 3 });
    const arrayFile = join(dir, "array.json");
    await writeFile(arrayFile, JSON.stringify([makeEvent("u2", { entityKind: "user", entityId: "u_2", eventType: "update" })]));
    expect((await okJson(["send", "-w", ws, "--file", arrayFile, "--secret", ingressSecret])).head).toBe(4);

    expectFailure(await runCli(["send", "-w", ws, "--file", file, "--secret", secrets[1]!], env), 1, /invalid_signature/);
    expectFailure(await runCli(["send", "-w", ws, "--file", file], env), 2, /--secret/);
    expectFailure(await runCli(["send", "-w", ws, "--file", join(dir, "none.json"), "--secret", ingressSecret], env), 2, /cannot read/);
  });

  it("events list searches and pages; events get shows one event", async () => {
    const all = await ok(["events", "list", "-w", ws]);
    expect(all).toMatch(/^VERSION\s+RECEIVED\s+ENTITY\s+TYPE\s+ORIGIN\s+ID$/m);
    expect(all.trim().split("\n")).toHaveLength(5);

    const tasks = await okJson(["events", "list", "-w", ws, "--entity-kind", "task"]);
    expect(tasks.events.map((e: { id: string }) => e.id)).toEqual(["t1", "t1b"]);
    const byAll = await okJson(["events", "list", "-w", ws, "--entity-id", "t_1", "--event-type", "update", "--origin", "app-b"]);
    expect(byAll.events.map((e: { id: string }) => e.id)).toEqual(["t1b"]);
    const newest = await okJson(["events", "list", "-w", ws, "--order", "desc", "--limit", "1"]);
    expect(newest).toMatchObject({ events: [{ version: 4 }], nextBefore: 4, hasMore: true });
    const older = await ok(["events", "list", "-w", ws, "--order", "desc", "--before", "3", "--limit", "1"]);
    expect(older).toMatch(/^\s*2\s.*task\/t_1\s+create/m);
    expect(older).toContain("More: add --order desc --before 2");
    expect((await okJson(["events", "list", "-w", ws, "--after", "3"])).events).toHaveLength(1);
    expectFailure(await runCli(["events", "list", "-w", ws, "--before", "3"], env), 2, /--before is for --order desc/);

    expect(JSON.parse(await ok(["events", "get", "-w", ws, "2"]))).toMatchObject({ version: 2, id: "t1" });
    expectFailure(await runCli(["events", "get", "-w", ws, "99"], env), 1, /event_not_found/);
  });

  it("subscribers: add, list, get, update, pause, resume, disable, enable, replay, rotate-secret, attempts, delete", async () => {
    const receiver = await receivers.start();
    const added = await creates(["subscribers", "add", "healthy", "-w", ws, "--endpoint", receiver.url, "--start", "beginning"]);
    expect(added).toContain(`Added subscriber healthy (webhook) at cursor 0: ${receiver.url}`);
    secretIn(added, "whsec_");
    const addedJson = JSON.parse(
      await creates(["--json", "subscribers", "add", "tasks", "-w", ws, "--endpoint", receiver.url, "--kind", "convex", "--entity-kinds", "task", "--start", "2"]),
    );
    expect(addedJson).toMatchObject({ id: "tasks", kind: "convex", filter: { entityKinds: ["task"] }, cursor: 2, secret: expect.stringMatching(/^whsec_/) });
    secrets.push(addedJson.secret);
    expectFailure(await runCli(["subscribers", "add", "healthy", "-w", ws, "--endpoint", receiver.url], env), 1, /conflict: subscriber healthy already exists/);
    expectFailure(await runCli(["subscribers", "add", "x", "-w", ws, "--endpoint", "ftp://nope"], env), 1, /invalid_request[\s\S]*url/);

    await eventually(async () => (await relayClient(relay.url).client.getSubscriber(ws, "healthy")).lag === 0);
    const table = await ok(["subscribers", "list", "-w", ws]);
    expect(table).toMatch(/^ID\s+KIND\s+STATE\s+CURSOR\s+HEAD\s+LAG\s+LAST SUCCESS\s+LAST ERROR\s+URL$/m);
    expect(table).toMatch(/^healthy\s+webhook\s+active\s+4\s+4\s+0\s/m);
    expect((await okJson(["subscribers", "list", "-w", ws])).subscribers.map((s: { id: string }) => s.id).sort()).toEqual(["healthy", "tasks"]);
    expect(await ok(["subscribers", "get", "healthy", "-w", ws])).toMatch(/^state:\s+active$/m);
    expect(await okJson(["subscribers", "get", "tasks", "-w", ws])).toMatchObject({ id: "tasks", kind: "convex" });

    const updated = await okJson(["subscribers", "update", "healthy", "-w", ws, "--max-batch-size", "5", "--rate-limit", "50"]);
    expect(updated).toMatchObject({ maxBatchSize: 5, rateLimit: { eventsPerSecond: 50 }, url: receiver.url, kind: "webhook" });
    expect(updated).not.toHaveProperty("secret");
    expect(await ok(["subscribers", "update", "healthy", "-w", ws, "--no-rate-limit"])).toMatch(/^rate limit:\s+none$/m);
    expect(await okJson(["subscribers", "get", "healthy", "-w", ws])).toMatchObject({ maxBatchSize: 5, rateLimit: null });

    expect(await ok(["subscribers", "pause", "healthy", "-w", ws])).toContain("Subscriber healthy is paused; cursor 4, lag 0.");
    expect((await okJson(["subscribers", "resume", "healthy", "-w", ws])).state).toBe("active");
    expect(await ok(["subscribers", "disable", "healthy", "-w", ws])).toContain("Subscriber healthy is disabled (manual)");
    expect((await okJson(["subscribers", "enable", "healthy", "-w", ws])).disabledReason).toBeNull();
    // Each action in the other output mode too.
    expect((await okJson(["subscribers", "pause", "tasks", "-w", ws])).state).toBe("paused");
    expect(await ok(["subscribers", "resume", "tasks", "-w", ws])).toMatch(/^Subscriber tasks is active; cursor \d+, lag \d+\.$/m);
    expect(await okJson(["subscribers", "disable", "tasks", "-w", ws])).toMatchObject({ state: "disabled", disabledReason: "manual" });
    expect(await ok(["subscribers", "enable", "tasks", "-w", ws])).toMatch(/^Subscriber tasks is (active|retrying); cursor/m);
    expect(await ok(["subscribers", "replay", "healthy", "-w", ws, "--after-version", "2"])).toContain("cursor 2");
    expect((await okJson(["subscribers", "replay", "healthy", "-w", ws, "--after-version", "0"])).cursor).toBe(0);
    expectFailure(await runCli(["subscribers", "replay", "healthy", "-w", ws], env), 2, /--after-version/);
    expectFailure(await runCli(["subscribers", "pause", "ghost", "-w", ws], env), 1, /subscriber_not_found/);

    const rotated = await creates(["subscribers", "rotate-secret", "healthy", "-w", ws]);
    expect(rotated).toMatch(/New signing secret: whsec_/);
    secretIn(rotated, "whsec_");
    const rotatedJson = JSON.parse(await creates(["--json", "subscribers", "rotate-secret", "tasks", "-w", ws, "--grace-seconds", "0"]));
    secrets.push(rotatedJson.secret);

    await eventually(async () => (await relayClient(relay.url).client.getSubscriber(ws, "healthy")).lag === 0);
    const attempts = await ok(["subscribers", "attempts", "healthy", "-w", ws]);
    expect(attempts).toMatch(/^ID\s+STARTED\s+VERSIONS\s+ATTEMPT\s+TRIGGER\s+OUTCOME\s+STATUS\s+MS\s+DETAIL$/m);
    expect(attempts).toMatch(/^att_\d+\s.*\s1\s+fast-path\s+success\s+200\s/m);
    const attemptsJson = await okJson(["subscribers", "attempts", "healthy", "-w", ws, "--limit", "1"]);
    expect(attemptsJson.attempts).toHaveLength(1);
    expect(attemptsJson.nextBefore).toMatch(/^att_/);

    expect(await ok(["subscribers", "delete", "tasks", "-w", ws, "--yes"])).toContain("Deleted subscriber tasks.");
    expect(await okJson(["subscribers", "delete", "healthy", "-w", ws, "--yes"])).toEqual({ deleted: "healthy" });
    expect(await ok(["subscribers", "list", "-w", ws])).toContain("No subscribers yet");
  });

  it("dead-letters list and redeliver", async () => {
    const failing = await receivers.start((_req, res) => res.writeHead(500).end("down for maintenance"));
    await creates(["subscribers", "add", "dl", "-w", ws, "--endpoint", failing.url, "--start", "3", "--on-exhausted", "dead-letter"]);
    const admin = relayClient(relay.url).client;
    const letter = await eventually(async () => (await admin.listDeadLetters(ws))[0]);
    const table = await ok(["dead-letters", "list", "-w", ws]);
    expect(table).toMatch(new RegExp(`^${letter!.id}\\s+dl\\s+4\\.\\.4\\s+\\d+\\s.*500`, "m"));
    expect(await okJson(["dead-letters", "list", "-w", ws, "--subscriber", "dl", "--limit", "5"])).toEqual({ deadLetters: [expect.objectContaining({ id: letter!.id })] });
    expect((await okJson(["dead-letters", "list", "-w", ws, "--subscriber", "other"])).deadLetters).toEqual([]);

    failing.setBehaviour((_req, res) => res.writeHead(200).end("ok"));
    expect(await ok(["dead-letters", "redeliver", letter!.id, "-w", ws])).toContain(`Redelivery of ${letter!.id} started.`);
    await eventually(async () => (await admin.listAttempts(ws, "dl")).attempts.some((a) => a.trigger === "redeliver" && a.outcome === "success"));
    expectFailure(await runCli(["--json", "dead-letters", "redeliver", "dl_nope", "-w", ws], env), 1, /dead_letter_not_found/);
  });

  it("keys create, list and revoke", async () => {
    const created = await creates(["keys", "create", "-w", ws, "--name", "replica-1"]);
    expect(created).toMatch(/Created read key key_[0-9a-f]{16} \(replica-1\)/);
    const key = secretIn(created, "rk_");
    const createdJson = JSON.parse(await creates(["--json", "keys", "create", "-w", ws, "--name", "replica-2"]));
    secrets.push(createdJson.key);

    const table = await ok(["keys", "list", "-w", ws]);
    expect(table).toMatch(/^ID\s+NAME\s+SCOPES\s+CREATED$/m);
    expect(table).toMatch(/^key_[0-9a-f]{16}\s+replica-1\s+read\s/m);
    const listed = await okJson(["keys", "list", "-w", ws]);
    expect(listed.keys.map((k: { name: string }) => k.name).sort()).toEqual(["replica-1", "replica-2"]);

    const id = /key_[0-9a-f]{16}/.exec(created)![0];
    expect(await ok(["keys", "revoke", id, "-w", ws])).toContain(`Revoked read key ${id}.`);
    expect(await okJson(["keys", "revoke", createdJson.id, "-w", ws])).toEqual({ revoked: createdJson.id });
    expect(await ok(["keys", "list", "-w", ws])).toContain("No read keys");
    // The revoked key reads nothing any more.
    expectFailure(await runCli(["events", "tail", "-w", ws, "--follow", "--key", key], env), 1, /unauthorized/);
  });

  it("alerts add, list and delete", async () => {
    const target = await receivers.start();
    const added = await creates(["alerts", "add", "ops", "-w", ws, "--endpoint", target.url, "--types", "subscriber.failing,subscriber.recovered"]);
    expect(added).toContain("Added alert destination ops for subscriber.failing, subscriber.recovered.");
    secretIn(added, "whsec_");
    const addedJson = JSON.parse(await creates(["--json", "alerts", "add", "all", "-w", ws, "--endpoint", target.url]));
    expect(addedJson.types).toHaveLength(5);
    secrets.push(addedJson.secret);
    expect(await ok(["alerts", "add", "ops", "-w", ws, "--endpoint", target.url])).toContain("Updated alert destination ops");

    expect(await ok(["alerts", "list", "-w", ws])).toMatch(/^ops\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+subscriber\.failing/m);
    expect((await okJson(["alerts", "list", "-w", ws])).alerts).toHaveLength(2);
    expect(await ok(["alerts", "delete", "ops", "-w", ws])).toContain("Deleted alert destination ops.");
    expect(await okJson(["alerts", "delete", "all", "-w", ws])).toEqual({ deleted: "all" });
    expect(await ok(["alerts", "list", "-w", ws])).toContain("No alert destinations");
    expectFailure(await runCli(["alerts", "delete", "ops", "-w", ws], env), 1, /alert_not_found/);
  });

  it("stats sums the window and lists active buckets", async () => {
    const text = await ok(["stats", "-w", ws]);
    expect(text).toMatch(/^ingested:\s+4$/m);
    expect(text).toMatch(/^duplicates:\s+3$/m);
    expect(text).toMatch(/^BUCKET\s+INGESTED\s+DUPLICATES\s+DELIVERED\s+FAILED\s+DEAD\s+P50 MS\s+P95 MS$/m);
    const json = await okJson(["stats", "-w", ws, "--window", "24h"]);
    expect(json).toMatchObject({ window: "24h", bucketSeconds: 900 });
    expectFailure(await runCli(["stats", "-w", ws, "--window", "7d"], env), 2, /Allowed choices are 1h, 24h/);
  });

  it("workspaces delete", async () => {
    expect(await ok(["workspaces", "delete", "cli-ws2", "--yes"])).toContain("Deleted workspace cli-ws2.");
    expect(await okJson(["workspaces", "delete", ws, "--yes"])).toEqual({ deleted: ws });
    expect(await ok(["workspaces", "list"])).toContain("No workspaces yet");
  });

  it("printed each secret only from the command that created it", () => {
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    for (const output of nonCreateOutputs) {
      for (const secret of secrets) expect(output).not.toContain(secret);
      expect(output).not.toMatch(/whsec_|rk_/);
    }
  });
});

describe("events tail", () => {
  const ws = "cli-tail";
  let secret: string;
  const admin = () => relayClient(relay.url);

  beforeAll(async () => {
    secret = await admin().createWorkspace(ws);
  });

  const versionsIn = (output: string) =>
    output
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { version: number }).version);

  it("without --follow prints the last events and exits", async () => {
    await admin().ingest(ws, secret, [1, 2, 3].map((n) => makeEvent(`e${n}`)));
    const text = await ok(["events", "tail", "-w", ws, "-n", "2"]);
    expect(text.trim().split("\n")).toHaveLength(2);
    expect(text).toMatch(/^\s+2\s.*update\s+user\/u_e2\s+origin=app-a\s+id=e2$/m);
    expect(versionsIn(await ok(["--json", "events", "tail", "-w", ws, "--after", "0"]))).toEqual([1, 2, 3]);
  });

  it("--follow prints live events, and resumes after a restart of the CLI with no gap and no duplicate", async () => {
    const state = join(dir, "tail-state.json");
    const first = startCli(["--json", "events", "tail", "-w", ws, "--follow", "--state", state], env);
    await eventually(() => versionsIn(first.output()).length === 3, 60_000);
    await admin().ingest(ws, secret, [makeEvent("e4"), makeEvent("e5")]);
    await eventually(() => versionsIn(first.output()).length === 5, 60_000);
    await eventually(async () => JSON.parse(await readFile(state, "utf8")).after === 5);
    // The command created a read key for the feed, which it never printed.
    expect((await admin().client.listReadKeys(ws)).map((k) => k.name)).toEqual([expect.stringMatching(/^relay-cli-tail@/)]);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.errors()).toBe("");
    // Stopping revoked that key.
    expect(await admin().client.listReadKeys(ws)).toEqual([]);

    await admin().ingest(ws, secret, [6, 7, 8].map((n) => makeEvent(`e${n}`)));
    const second = startCli(["--json", "events", "tail", "-w", ws, "--follow", "--state", state], env);
    await eventually(() => versionsIn(second.output()).length === 3, 60_000);
    await admin().ingest(ws, secret, [makeEvent("e9")]);
    await eventually(() => versionsIn(second.output()).length === 4, 60_000);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);

    expect([...versionsIn(first.output()), ...versionsIn(second.output())]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first.output() + second.output()).not.toMatch(/rk_/);
  });
});
