import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { withDeadline } from "./deadline.ts";

export type RelayProcessOptions = {
  persistDir: string;
  /** Where each start's output goes, as relay-<n>.log. */
  logDir: string;
  port: number;
  vars: Record<string, string>;
  startTimeoutMs: number;
};

/**
 * The relay in a child process group of its own (chaos/relay-server.ts): started, SIGKILLed
 * with everything it spawned, and started again on the same persisted state and port.
 */
export class RelayProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starts = 0;
  readonly url: string;
  private readonly options: RelayProcessOptions;

  constructor(options: RelayProcessOptions) {
    this.options = options;
    this.url = `http://127.0.0.1:${options.port}`;
  }

  /** Starts the relay and waits until it serves requests. */
  async start(): Promise<void> {
    if (this.child) throw new Error("relay already running");
    const log = createWriteStream(join(this.options.logDir, `relay-${++this.starts}.log`));
    const child = spawn(
      process.execPath,
      ["--experimental-strip-types", "--no-warnings=ExperimentalWarning", join(import.meta.dirname, "relay-server.ts")],
      {
        // Its own process group, so one kill reaches workerd and esbuild too.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          CHAOS_PERSIST_DIR: this.options.persistDir,
          CHAOS_PORT: String(this.options.port),
          CHAOS_VARS: JSON.stringify(this.options.vars),
        },
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stderr!.pipe(log);
    const ready = new Promise<void>((resolve, reject) => {
      let pending = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString("utf8");
        if (pending.includes('{"ready":')) resolve();
        // Keep only the tail: the relay logs one line per delivery outcome.
        pending = pending.slice(-200);
      });
      child.once("exit", (code, signal) => reject(new Error(`relay exited before it was ready (${code ?? signal}); see ${log.path}`)));
    });
    await withDeadline(ready, this.options.startTimeoutMs, `relay start #${this.starts}`);
  }

  /** SIGKILLs the relay's whole process group: no clean shutdown, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) throw new Error("relay not running");
    process.kill(-child.pid, "SIGKILL");
    await withDeadline(this.exited, 10_000, "relay exit after SIGKILL");
    this.child = undefined;
    await withDeadline(this.portClosed(), 10_000, "relay port release after SIGKILL");
  }

  /** Kills the relay's process group at once, for a run that is being abandoned. */
  killNow(): void {
    if (this.child?.pid) process.kill(-this.child.pid, "SIGKILL");
  }

  /** Stops the relay at the end of a run (not one of the kills under test). */
  async stop(): Promise<void> {
    if (this.child) await this.kill();
  }

  private async portClosed(): Promise<void> {
    for (;;) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.options.port, "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
      if (!open) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
