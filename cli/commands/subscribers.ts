import { type Command, InvalidArgumentError, Option } from "commander";
import type { PutSubscriberBody, StartPosition, SubscriberStatus } from "../../src/contract/subscriber.ts";
import { RelayApiError } from "../../src/client/relay-client.ts";
import { act, type CliContext, integer, list, positiveNumber, requireYes, workspaceOption } from "../context.ts";
import { excerpt, printFields, printJson, printLine, printSecret, printTable, time } from "../output.ts";

function startPosition(value: string): StartPosition {
  if (value === "head" || value === "beginning") return value;
  if (/^\d+$/.test(value)) return { afterVersion: Number(value) };
  throw new InvalidArgumentError('expected "head", "beginning" or a version to start after');
}

/** The options `add` and `update` share: each maps to one field of the PUT body. */
function settingOptions(command: Command, forCreate: boolean): Command {
  const kind = new Option("--kind <kind>", "convex or webhook").choices(["convex", "webhook"]);
  if (forCreate) kind.default("webhook");
  return command
    .addOption(kind)
    .option("--entity-kinds <kinds>", "deliver only these entity kinds (comma-separated)", list)
    .option("--event-types <types>", "deliver only these event types (comma-separated)", list)
    .option("--exclude-origins <origins>", "skip events from these origins (comma-separated)", list)
    .option("--max-batch-size <n>", "events per delivery (1..100)", integer(1))
    .addOption(new Option("--on-exhausted <what>", "when retries run out").choices(["pause", "dead-letter"]))
    .option("--rate-limit <eventsPerSecond>", "deliver at most this many events per second", positiveNumber)
    .option("--no-rate-limit", "remove the rate limit")
    .option("--disable-after-failing-hours <h>", "disable after failing this long without a success (0: never)", integer(0));
}

/** The PUT body fields the options set; `base` supplies the rest on update. */
function settingsFrom(opts: Record<string, any>): Partial<PutSubscriberBody> {
  const body: Partial<PutSubscriberBody> = {};
  if (opts.kind) body.kind = opts.kind;
  if (opts.endpoint) body.url = opts.endpoint;
  if (opts.entityKinds || opts.eventTypes) {
    body.filter = {
      ...(opts.entityKinds ? { entityKinds: opts.entityKinds } : {}),
      ...(opts.eventTypes ? { eventTypes: opts.eventTypes } : {}),
    };
  }
  if (opts.excludeOrigins) body.excludeOrigins = opts.excludeOrigins;
  if (opts.maxBatchSize !== undefined) body.maxBatchSize = opts.maxBatchSize;
  if (opts.onExhausted) body.onExhausted = opts.onExhausted;
  // commander's --no-rate-limit sets rateLimit to false; a number sets it.
  if (opts.rateLimit === false) body.rateLimit = null;
  else if (typeof opts.rateLimit === "number") body.rateLimit = { eventsPerSecond: opts.rateLimit };
  if (opts.disableAfterFailingHours !== undefined) body.disableAfterFailingHours = opts.disableAfterFailingHours;
  return body;
}

function printStatus(s: SubscriberStatus): void {
  printFields([
    ["subscriber", s.id],
    ["kind", s.kind],
    ["url", s.url],
    ["state", s.disabledReason ? `${s.state} (${s.disabledReason})` : s.state],
    ["cursor", s.cursor],
    ["head", s.head],
    ["lag", s.lag],
    ["in flight", s.inFlight ? `${s.inFlight.fromVersion}..${s.inFlight.toVersion}, attempt ${s.inFlight.attempt}` : null],
    ["last success", time(s.lastSuccessAt)],
    ["last error", s.lastError ? `${time(s.lastError.at)} ${s.lastError.status ?? ""} ${s.lastError.message}` : null],
    ["consecutive failures", s.consecutiveFailures],
    ["dead letters", s.deadLetterCount],
    ["filter", s.filter ? JSON.stringify(s.filter) : "everything"],
    ["exclude origins", s.excludeOrigins.join(",")],
    ["max batch size", s.maxBatchSize],
    ["on exhausted", s.onExhausted],
    ["rate limit", s.rateLimit ? `${s.rateLimit.eventsPerSecond}/s` : "none"],
    ["disable after failing", s.disableAfterFailingHours === 0 ? "never" : `${s.disableAfterFailingHours} h`],
    ["created", time(s.createdAt)],
  ]);
}

/** A command that posts an action and shows the resulting status. */
function statusAction(parent: Command, name: string, description: string, run: (ctx: CliContext, id: string) => Promise<SubscriberStatus>) {
  return parent
    .command(name)
    .description(description)
    .addOption(workspaceOption())
    .argument("<subscriberId>")
    .action(
      act(async (ctx, id: string) => {
        const status = await run(ctx, id);
        if (ctx.json) return printJson(status);
        printLine(`Subscriber ${id} is ${status.state}${status.disabledReason ? ` (${status.disabledReason})` : ""}; cursor ${status.cursor}, lag ${status.lag}.`);
      }),
    );
}

export function subscribersCommand(program: Command): void {
  const subscribers = program.command("subscribers").description("receivers of a workspace's events: add, inspect, pause, replay");

  subscribers
    .command("list")
    .description("list subscribers with their delivery state")
    .addOption(workspaceOption())
    .action(
      act(async (ctx) => {
        const all = await ctx.client().listSubscribers(ctx.workspace);
        if (ctx.json) return printJson({ subscribers: all });
        printTable(
          all,
          [
            ["ID", (s) => s.id],
            ["KIND", (s) => s.kind],
            ["STATE", (s) => (s.disabledReason ? `${s.state}(${s.disabledReason})` : s.state)],
            ["CURSOR", (s) => s.cursor],
            ["HEAD", (s) => s.head],
            ["LAG", (s) => s.lag],
            ["LAST SUCCESS", (s) => time(s.lastSuccessAt)],
            ["LAST ERROR", (s) => excerpt(s.lastError && `${s.lastError.status ?? ""} ${s.lastError.message}`, 40)],
            ["URL", (s) => s.url],
          ],
          "No subscribers yet: add one with `relay subscribers add <id> --endpoint <url>`.",
        );
      }),
    );

  subscribers
    .command("get")
    .description("show one subscriber's status")
    .addOption(workspaceOption())
    .argument("<subscriberId>")
    .action(
      act(async (ctx, id: string) => {
        const status = await ctx.client().getSubscriber(ctx.workspace, id);
        if (ctx.json) return printJson(status);
        printStatus(status);
      }),
    );

  settingOptions(
    subscribers
      .command("add")
      .description("add a subscriber and print its signing secret (shown this once)")
      .addOption(workspaceOption())
      .argument("<subscriberId>")
      .requiredOption("--endpoint <url>", "where deliveries are POSTed"),
    true,
  )
    .option("--start <position>", 'where delivery starts: "head" (default), "beginning" or a version to start after', startPosition)
    .option("--disabled", "create it disabled")
    .action(
      act(async (ctx, id: string) => {
        const client = ctx.client();
        // PUT creates or updates: refuse to overwrite an existing subscriber's settings by accident.
        const existing = await client.getSubscriber(ctx.workspace, id).catch((error: unknown) => {
          if (error instanceof RelayApiError && error.code === "subscriber_not_found") return null;
          throw error;
        });
        if (existing) {
          throw new RelayApiError(409, "conflict", `subscriber ${id} already exists; change it with \`relay subscribers update ${id}\``);
        }
        const body = {
          ...(settingsFrom(ctx.opts) as PutSubscriberBody),
          ...(ctx.opts.start ? { start: ctx.opts.start } : {}),
          ...(ctx.opts.disabled ? { enabled: false } : {}),
        };
        const result = await client.putSubscriber(ctx.workspace, id, body);
        if (ctx.json) return printJson(result.value);
        if (!result.created) return printLine(`Subscriber ${id} was created meanwhile by someone else; its settings are now yours.`);
        printLine(`Added subscriber ${id} (${result.value.kind}) at cursor ${result.value.cursor}: ${result.value.url}`);
        printSecret("Signing secret", result.value.secret);
      }),
    );

  settingOptions(
    subscribers
      .command("update")
      .description("change a subscriber's settings; options not given stay as they are")
      .addOption(workspaceOption())
      .argument("<subscriberId>")
      .option("--endpoint <url>", "where deliveries are POSTed"),
    false,
  ).action(
    act(async (ctx, id: string) => {
      const client = ctx.client();
      const current = await client.getSubscriber(ctx.workspace, id);
      const body: PutSubscriberBody = {
        kind: current.kind,
        url: current.url,
        ...(current.filter ? { filter: current.filter } : {}),
        excludeOrigins: current.excludeOrigins,
        maxBatchSize: current.maxBatchSize,
        onExhausted: current.onExhausted,
        rateLimit: current.rateLimit,
        disableAfterFailingHours: current.disableAfterFailingHours,
        ...settingsFrom(ctx.opts),
      };
      const result = await client.putSubscriber(ctx.workspace, id, body);
      if (ctx.json) return printJson(result.value);
      if (result.created) {
        // Deleted between the read and the write: the PUT made a new one, whose secret only this call sees.
        printLine(`Subscriber ${id} was deleted meanwhile, so this created it anew.`);
        return printSecret("Signing secret", result.value.secret);
      }
      printLine(`Updated subscriber ${id}.`);
      printStatus(result.value);
    }),
  );

  subscribers
    .command("delete")
    .description("delete a subscriber; its cursor and dead letters go with it")
    .addOption(workspaceOption())
    .argument("<subscriberId>")
    .option("--yes", "confirm the deletion")
    .action(
      act(async (ctx, id: string) => {
        requireYes(ctx, `deleting subscriber ${id}`);
        await ctx.client().deleteSubscriber(ctx.workspace, id);
        if (ctx.json) return printJson({ deleted: id });
        printLine(`Deleted subscriber ${id}.`);
      }),
    );

  for (const [action, description] of [
    ["pause", "pause delivery; the cursor stays"],
    ["resume", "resume delivery from the cursor"],
    ["enable", "enable a disabled subscriber; delivery resumes from the cursor"],
    ["disable", "disable delivery (reason: manual); the cursor stays"],
  ] as const) {
    statusAction(subscribers, action, description, (ctx, id) => ctx.client().setDelivery(ctx.workspace, id, action));
  }

  statusAction(subscribers, "replay", "move the cursor: delivery resumes after --after-version", (ctx, id) =>
    ctx.client().replay(ctx.workspace, id, ctx.opts.afterVersion),
  ).requiredOption("--after-version <n>", "the version to resume after (0: from the beginning)", integer(0));

  subscribers
    .command("rotate-secret")
    .description("create a new signing secret (printed this once); deliveries carry both signatures during the grace period")
    .addOption(workspaceOption())
    .argument("<subscriberId>")
    .option("--grace-seconds <n>", "how long the old secret still signs (default 86400)", integer(0))
    .action(
      act(async (ctx, id: string) => {
        const grace = ctx.opts.graceSeconds as number | undefined;
        const rotated = await ctx.client().rotateSubscriberSecret(ctx.workspace, id, grace === undefined ? {} : { graceSeconds: grace });
        if (ctx.json) return printJson(rotated);
        printSecret("New signing secret", rotated.secret);
        printLine(`Deliveries are also signed with the previous secret until ${time(rotated.previousValidUntil)} UTC.`);
      }),
    );

  subscribers
    .command("attempts")
    .description("delivery attempts, newest first")
    .addOption(workspaceOption())
    .argument("<subscriberId>")
    .option("--limit <n>", "attempts to show (1..1000)", integer(1))
    .option("--before <attemptId>", "page on to attempts older than this one")
    .action(
      act(async (ctx, id: string) => {
        const page = await ctx.client().listAttempts(ctx.workspace, id, { limit: ctx.opts.limit, before: ctx.opts.before });
        if (ctx.json) return printJson(page);
        printTable(
          page.attempts,
          [
            ["ID", (a) => a.id],
            ["STARTED", (a) => time(a.startedAt)],
            ["VERSIONS", (a) => (a.fromVersion === a.toVersion ? a.fromVersion : `${a.fromVersion}..${a.toVersion}`)],
            ["ATTEMPT", (a) => a.attempt],
            ["TRIGGER", (a) => a.trigger],
            ["OUTCOME", (a) => a.outcome],
            ["STATUS", (a) => a.status],
            ["MS", (a) => a.durationMs],
            ["DETAIL", (a) => excerpt(a.error ?? a.responseBody, 50)],
          ],
          "No delivery attempts yet.",
        );
        if (page.nextBefore) printLine(`\nOlder: relay subscribers attempts ${id} --before ${page.nextBefore}`);
      }),
    );
}
