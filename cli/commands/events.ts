import { type Command, Option } from "commander";
import type { StoredEvent } from "../../src/contract/event.ts";
import { act, integer, UsageError, workspaceOption } from "../context.ts";
import { printJson, printLine, printTable, time } from "../output.ts";
import { tailEvents } from "../tail.ts";

/** The columns of one event, shared by `events list` and `events tail`. */
export const EVENT_COLUMNS: [string, (e: StoredEvent) => string | number | null][] = [
  ["VERSION", (e) => e.version],
  ["RECEIVED", (e) => time(e.receivedAt)],
  ["ENTITY", (e) => `${e.entityKind}/${e.entityId}`],
  ["TYPE", (e) => e.eventType],
  ["ORIGIN", (e) => e.source.origin],
  ["ID", (e) => e.id],
];

export function eventsCommand(program: Command): void {
  const events = program.command("events").description("read, search and follow a workspace's event log");

  events
    .command("list")
    .description("read or search the log; oldest first, or newest first with --order desc")
    .addOption(workspaceOption())
    .option("--entity-kind <kind>", "only this entity kind")
    .option("--entity-id <id>", "only this entity")
    .option("--event-type <type>", "only this event type")
    .option("--origin <origin>", "only events from this source origin")
    .addOption(new Option("--order <order>", "asc (oldest first) or desc (newest first)").choices(["asc", "desc"]).default("asc"))
    .option("--after <version>", "asc: events after this version", integer(0))
    .option("--before <version>", "desc: events before this version", integer(0))
    .option("--limit <n>", "events per page (1..1000, default 100)", integer(1))
    .action(
      act(async (ctx) => {
        const { entityKind, entityId, eventType, origin, order, after, before, limit } = ctx.opts;
        const filters = { entityKind, entityId, eventType, origin, limit };
        if (order === "asc" && before !== undefined) throw new UsageError("--before is for --order desc; use --after");
        if (order === "desc" && after !== undefined) throw new UsageError("--after is for --order asc; use --before");
        const client = ctx.client();
        const page =
          order === "desc"
            ? await client.readEventsDesc(ctx.workspace, { ...filters, before })
            : await client.readEvents(ctx.workspace, { ...filters, after });
        if (ctx.json) return printJson(page);
        printTable(page.events, EVENT_COLUMNS, "No events match.");
        if (page.hasMore) {
          const next = "nextBefore" in page ? `--order desc --before ${page.nextBefore}` : `--after ${page.nextAfter}`;
          printLine(`\nMore: add ${next}`);
        }
      }),
    );

  events
    .command("get")
    .description("show one event, pretty-printed")
    .addOption(workspaceOption())
    .argument("<version>", "the event's version", integer(1))
    .action(
      act(async (ctx, version: number) => {
        printJson(await ctx.client().getEvent(ctx.workspace, version));
      }),
    );

  events
    .command("tail")
    .description("print new events; with --follow, keep printing them live from the feed, resuming after the last one printed")
    .addOption(workspaceOption())
    .option("-f, --follow", "keep following the live feed until interrupted")
    .option("--after <version>", "start after this version (default: the state file's, else the last --lines events)", integer(0))
    .option("-n, --lines <n>", "without --after or a state file, start with this many recent events", integer(0), 10)
    .option("--state <file>", "remember the last printed version here, and resume from it when started again")
    .addOption(new Option("--key <readKey>", "read key for the feed (default: a temporary key, revoked on exit)").env("RELAY_READ_KEY"))
    .action(act(async (ctx) => tailEvents(ctx)));
}
