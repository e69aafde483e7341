/**
 * `relay`: the operator CLI of the relay, on commander. Exit codes: 0 success, 1 an API error
 * (its code and message on stderr), 2 a usage error (commander's own, or a missing setting).
 */
import { Command, CommanderError, Option } from "commander";
import { RelayApiError } from "../src/client/relay-client.ts";
import { alertsCommand } from "./commands/alerts.ts";
import { deadLettersCommand } from "./commands/dead-letters.ts";
import { eventsCommand } from "./commands/events.ts";
import { keysCommand } from "./commands/keys.ts";
import { sendCommand } from "./commands/send.ts";
import { statsCommand } from "./commands/stats.ts";
import { subscribersCommand } from "./commands/subscribers.ts";
import { workspacesCommand } from "./commands/workspaces.ts";
import { UsageError } from "./context.ts";

export const EXIT = { ok: 0, api: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command("relay")
    .description("Operate a Convex Edge Relay: workspaces, subscribers, events, read keys and alerts.")
    .addOption(new Option("--url <url>", "the relay's URL, e.g. http://localhost:8787").env("RELAY_URL"))
    // The token's value is never echoed: commander shows defaults in help, and this has none.
    .addOption(new Option("--token <token>", "the admin token").env("RELAY_ADMIN_TOKEN"))
    .option("--json", "print the API's JSON instead of tables")
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    // Usage errors surface as CommanderError (exit 2), below, instead of exiting inside commander.
    .exitOverride();
  for (const add of [workspacesCommand, subscribersCommand, deadLettersCommand, eventsCommand, keysCommand, alertsCommand, statsCommand, sendCommand]) {
    add(program);
  }
  // A group without a subcommand prints its help and is a usage error.
  for (const group of program.commands) {
    if (group.commands.length > 0) group.action(() => group.help({ error: true }));
  }
  return program;
}

/** Runs the CLI and returns its exit code; every message is written to stdout or stderr. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it
    if (error instanceof UsageError) {
      process.stderr.write(`relay: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof RelayApiError) {
      process.stderr.write(`relay: ${error.code}: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}\n`);
      for (const issue of error.issues) process.stderr.write(`  ${issue.path || "(body)"}: ${issue.message}\n`);
      if (error.retryAfterSeconds !== null) process.stderr.write(`  retry after ${error.retryAfterSeconds} s\n`);
      return EXIT.api;
    }
    // Cannot reach the relay at all: an API error as far as the caller can tell, said in words.
    if (error instanceof TypeError && error.message === "fetch failed") {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      process.stderr.write(`relay: cannot reach the relay${cause ? `: ${cause}` : ""}\n`);
      return EXIT.api;
    }
    throw error;
  }
}
