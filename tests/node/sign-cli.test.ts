/** `npm run sign`: what it prints must verify with the reference Standard Webhooks package. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/sign.ts");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const run = promisify(execFile);

/** Runs the CLI with Node, as `npm run sign` does; never throws, returns the exit code. */
async function sign(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", SCRIPT, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Parses `name: value` lines. */
function headerLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((line) => {
        const colon = line.indexOf(": ");
        return [line.slice(0, colon), line.slice(colon + 2)];
      }),
  );
}

const dir = mkdtempSync(join(tmpdir(), "relay-sign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run sign", () => {
  it("reproduces the contract's known-answer vector", async () => {
    const out = await sign([
      "--secret", SECRET,
      "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "--timestamp", "1614265330",
      "--body", '{"test": 2432232314}',
    ]);
    expect(out.code).toBe(0);
    expect(headerLines(out.stdout)).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("signs a body string with a fresh id and the current time", async () => {
    const body = JSON.stringify({ events: [{ id: "evt_1", payload: { note: "it's ✓" } }] });
    const out = await sign(["--secret", SECRET, "--body", body]);
    expect(out.code).toBe(0);
    const headers = headerLines(out.stdout);
    expect(headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
  });

  it("signs the exact bytes of a file, and takes the secret from RELAY_INGRESS_SECRET", async () => {
    const file = join(dir, "body.json");
    const body = '{"events":[{"id":"evt_file","payload":"ünïcode"}]}\n';
    writeFileSync(file, body);
    const out = await sign(["--file", file, "--json"], { RELAY_INGRESS_SECRET: SECRET });
    expect(out.code).toBe(0);
    const headers = JSON.parse(out.stdout) as Record<string, string>;
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(SECRET).verify(body.trimEnd(), headers)).toThrow();
  });

  it("prints a curl command whose headers verify and whose quoting survives a quote in the body", async () => {
    const body = `{"events":[{"id":"evt_q","payload":"it's"}]}`;
    const url = "http://127.0.0.1:8787/v1/workspaces/demo/events";
    const out = await sign(["--secret", SECRET, "--body", body, "--url", url]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`curl -sS -X POST '${url}'`);
    expect(out.stdout).toContain(`--data-raw '{"events":[{"id":"evt_q","payload":"it'\\''s"}]}'`);
    const headers = Object.fromEntries(
      [...out.stdout.matchAll(/-H '(webhook-[a-z]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
  });

  it.each([
    ["no secret", ["--body", "{}"], /--secret/],
    ["a malformed secret", ["--secret", "sk_live_123", "--body", "{}"], /whsec_/],
    ["no body", ["--secret", SECRET], /--body and --file/],
    ["both a body and a file", ["--secret", SECRET, "--body", "{}", "--file", "x.json"], /--body and --file/],
    ["a timestamp that is not unix seconds", ["--secret", SECRET, "--body", "{}", "--timestamp", "2025-01-01"], /unix seconds/],
    ["an unknown option", ["--secret", SECRET, "--body", "{}", "--nope"], /nope/],
  ])("exits 2 with usage on %s", async (_name, args, message) => {
    const out = await sign(args, { RELAY_INGRESS_SECRET: "" });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain("usage:");
  });
});
