import { type Command, InvalidArgumentError, Option } from "commander";
import { RelayClient } from "../src/client/relay-client.ts";

/** A mistake in how the CLI was called: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What every action gets: its options (with the global ones) and the client they configure. */
export type CliContext = {
  opts: Record<string, any>;
  json: boolean;
  /** The client, with the admin token unless `admin` is false; a missing setting is a UsageError. */
  client(options?: { admin?: boolean }): RelayClient;
  /** The workspace of a `-w/--workspace` command. */
  workspace: string;
};

export function contextFor(command: Command): CliContext {
  const opts = command.optsWithGlobals();
  return {
    opts,
    json: Boolean(opts.json),
    workspace: opts.workspace as string,
    client({ admin = true } = {}) {
      if (!opts.url) throw new UsageError("no relay URL: set RELAY_URL or pass --url (e.g. http://localhost:8787)");
      if (admin && !opts.token) throw new UsageError("no admin token: set RELAY_ADMIN_TOKEN or pass --token");
      if (!/^https?:\/\//.test(opts.url)) throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(opts.url)}`);
      return new RelayClient({ url: opts.url, adminToken: admin ? opts.token : undefined });
    },
  };
}

/**
 * Adapts an action to commander's calling convention (positional arguments, then the
 * command's options, then the command itself): the action gets a context and its arguments.
 */
export function act<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>) {
  return async (...raw: unknown[]) => {
    const command = raw[raw.length - 1] as Command;
    await fn(contextFor(command), ...(raw.slice(0, -2) as A));
  };
}

/** `-w, --workspace <id>`, from the environment's RELAY_WORKSPACE when not given. */
export function workspaceOption(): Option {
  return new Option("-w, --workspace <id>", "the workspace").env("RELAY_WORKSPACE").makeOptionMandatory();
}

/** commander argument parsers: a bad value is a usage error (exit 2). */
export function integer(min = 0) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    return Number(value);
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

export function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Destructive commands act only when told twice: the command and `--yes`. */
export function requireYes(ctx: CliContext, what: string): void {
  if (!ctx.opts.yes) throw new UsageError(`${what} cannot be undone; add --yes to confirm`);
}
