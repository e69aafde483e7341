import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

/** The `relay` launcher, as `npx relay` runs it. */
export const RELAY_BIN = resolve(import.meta.dirname, "../../bin/relay.mjs");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** An environment without the relay settings of the parent, plus `env`. */
function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ["RELAY_URL", "RELAY_ADMIN_TOKEN", "RELAY_WORKSPACE", "RELAY_INGRESS_SECRET", "RELAY_READ_KEY"]) delete base[name];
  return { ...base, ...env };
}

/** Runs `relay …args` as a real process to its end. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [RELAY_BIN, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** A long-running `relay …args` (e.g. `events tail --follow`) whose output is read while it runs. */
export type RunningCli = { child: ChildProcess; output(): string; errors(): string; exited: Promise<number | null> };

export function startCli(args: string[], env: Record<string, string | undefined> = {}): RunningCli {
  const child = spawn(process.execPath, [RELAY_BIN, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  return { child, output: () => stdout, errors: () => stderr, exited };
}
