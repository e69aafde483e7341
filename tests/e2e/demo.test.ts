import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../support/relay";

/**
 * `npm run demo` as a newcomer runs it, on a free port and a throw-away state directory: it
 * starts the relay and three subscribers, delivers events to them, and stops cleanly, both
 * when its time is up and on Ctrl-C.
 */

const ROOT = resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "relay-demo-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startDemo(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, DEMO_PORT: "0", DEMO_PERSIST_DIR: dir, RELAY_ADMIN_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  return { child, output: () => output, exited };
}

function relayUrl(output: string): string {
  const match = /^Relay:\s+(http:\/\/localhost:\d+)/m.exec(output);
  expect(match, output).not.toBeNull();
  return match![1]!.replace("localhost", "127.0.0.1");
}

it("npm run demo starts the relay and three subscribers, delivers events, and stops when its time is up", async () => {
  const demo = startDemo("npm", ["run", "demo"], { DEMO_SECONDS: "5" });
  expect(await demo.exited, demo.output()).toBe(0);
  const output = demo.output();

  expect(output).toMatch(/^Console:\s+http:\/\/localhost:\d+\/console$/m);
  expect(output).toMatch(/^Log in with the admin token demo_[A-Za-z0-9_-]{32}/m);
  expect(output).toMatch(/npx relay events tail -w demo --follow/);
  for (const name of ["healthy", "flaky", "convex-app"]) expect(output).toMatch(new RegExp(`^Subscriber:\\s+${name}\\s+http://127\\.0\\.0\\.1:\\d+/relay/receive$`, "m"));

  const healthy = Number(/^healthy:\s+received (\d+) events/m.exec(output)?.[1]);
  const applied = /^convex-app:\s+applied (\d+) events .*; (\d+) bad signatures, (\d+) gaps$/m.exec(output);
  expect(healthy, output).toBeGreaterThanOrEqual(3);
  expect(Number(applied?.[1]), output).toBeGreaterThanOrEqual(3);
  expect(applied?.slice(2)).toEqual(["0", "0"]);
  expect(output).toContain("Demo stopped; the relay and the receivers are shut down.");
  // The relay is gone with the demo.
  await expect(fetch(`${relayUrl(output)}/health`)).rejects.toThrow();
});

it("Ctrl-C stops the demo early and cleans up", async () => {
  const demo = startDemo(process.execPath, ["bin/demo.mjs"], { DEMO_SECONDS: "600" });
  await eventually(() => demo.output().includes("Ctrl-C stops earlier."), 120_000);
  const url = relayUrl(demo.output());
  expect((await fetch(`${url}/health`)).status).toBe(200);
  demo.child.kill("SIGINT");
  expect(await demo.exited, demo.output()).toBe(0);
  expect(demo.output()).toMatch(/Stopping…[\s\S]*Demo stopped/);
  await expect(fetch(`${url}/health`)).rejects.toThrow();
});
