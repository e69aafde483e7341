import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { MAX_EVENTS_PER_REQUEST } from "../../src/contract/event.ts";
import type { IngestResponse } from "../../src/contract/event.ts";
import { RelayApiError } from "../../src/client/relay-client.ts";
import { isValidSecret } from "../../src/signing/standard-webhooks.ts";
import { act, UsageError, workspaceOption } from "../context.ts";
import { printJson, printLine, printTable } from "../output.ts";

/** How often one batch is retried when the relay asks to wait (429 rate_limited, 503 overloaded). */
const MAX_RETRIES = 5;

/** The events of a file holding an ingest body `{"events":[…]}` or a bare array of events. */
function readEvents(path: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const events = Array.isArray(parsed) ? parsed : (parsed as { events?: unknown })?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new UsageError(`${path} must hold {"events": [ … ]} or an array of events, with at least one`);
  }
  return events;
}

export function sendCommand(program: Command): void {
  program
    .command("send")
    .description(`sign events with the workspace's ingress secret (Standard Webhooks) and ingest them, ${MAX_EVENTS_PER_REQUEST} per request`)
    .addOption(workspaceOption())
    .requiredOption("--file <path>", 'JSON file: {"events": [ … ]} or [ … ]')
    .addOption(
      new Option("--secret <whsec_…>", "the ingress secret (prefer the environment: command lines are visible to other users)")
        .env("RELAY_INGRESS_SECRET")
        .makeOptionMandatory(),
    )
    .action(
      act(async (ctx) => {
        const secret = ctx.opts.secret as string;
        if (!isValidSecret(secret)) throw new UsageError("the ingress secret must look like whsec_<base64 of at least 16 bytes>");
        const events = readEvents(ctx.opts.file);
        // Ingest needs the signature, not the admin token.
        const client = ctx.client({ admin: false });
        const results: IngestResponse["results"] = [];
        let head = 0;
        for (let start = 0; start < events.length; start += MAX_EVENTS_PER_REQUEST) {
          const answer = await ingestWithRetry(() => client.ingest(ctx.workspace, secret, events.slice(start, start + MAX_EVENTS_PER_REQUEST)));
          results.push(...answer.results);
          head = answer.head;
        }
        if (ctx.json) return printJson({ results, head });
        printTable(
          results,
          [
            ["ID", (r) => r.id],
            ["VERSION", (r) => r.version],
            ["DUPLICATE", (r) => (r.duplicate ? "yes" : "no")],
          ],
          "Nothing ingested.",
        );
        const fresh = results.filter((r) => !r.duplicate).length;
        printLine(`\nIngested ${fresh} new event(s), ${results.length - fresh} duplicate(s); head is ${head}.`);
      }),
    );
}

async function ingestWithRetry(send: () => Promise<IngestResponse>): Promise<IngestResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const waitSeconds = error instanceof RelayApiError ? error.retryAfterSeconds : null;
      if (waitSeconds === null || attempt > MAX_RETRIES) throw error;
      process.stderr.write(`relay: ${(error as RelayApiError).code}; retrying in ${waitSeconds} s\n`);
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
    }
  }
}
