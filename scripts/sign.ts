/**
 * `npm run sign -- --secret whsec_… (--body '<json>' | --file body.json) [--url URL]`
 *
 * Signs an ingest body the way a source must (Standard Webhooks, with the project's own signing
 * module) and prints the three headers, or with `--url` a complete curl command. The signature
 * is only valid for 300 s after its timestamp, so run the printed command right away.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isValidSecret, signedHeaders, type WebhookHeaders } from "../src/signing/standard-webhooks.ts";

const USAGE = `usage: npm run -s sign -- --secret whsec_… (--body '<json>' | --file <path>) [options]

  --secret <whsec_…>   the workspace's ingress secret (or set RELAY_INGRESS_SECRET)
  --body <text>        the exact request body to sign
  --file <path>        sign the exact bytes of this file instead
  --id <msg_…>         webhook-id (default: a fresh msg_… id)
  --timestamp <secs>   webhook-timestamp in unix seconds (default: now)
  --url <ingest url>   print a complete curl command for this URL instead of the headers
  --json               print the headers as a JSON object
`;

class UsageError extends Error {}
class HelpRequested extends Error {}

type Options = {
  secret: string;
  body: string;
  /** The file the body came from, so that curl sends its exact bytes. */
  file: string | undefined;
  id: string;
  timestampSeconds: number;
  url: string | undefined;
  json: boolean;
};

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      secret: { type: "string" },
      body: { type: "string" },
      file: { type: "string" },
      id: { type: "string" },
      timestamp: { type: "string" },
      url: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) throw new HelpRequested();

  const secret = values.secret ?? env.RELAY_INGRESS_SECRET;
  if (!secret) throw new UsageError("missing --secret (or RELAY_INGRESS_SECRET)");
  if (!isValidSecret(secret)) throw new UsageError("the secret must look like whsec_<base64 of at least 16 bytes>");

  if ((values.body === undefined) === (values.file === undefined)) {
    throw new UsageError("give exactly one of --body and --file");
  }
  const body = values.body ?? readFileSync(values.file!, "utf8");

  const timestampSeconds = values.timestamp === undefined ? Math.floor(Date.now() / 1000) : Number(values.timestamp);
  if (!Number.isInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new UsageError("--timestamp must be unix seconds");
  }
  const id = values.id ?? `msg_${randomUUID().replaceAll("-", "")}`;
  return { secret, body, file: values.file, id, timestampSeconds, url: values.url, json: values.json };
}

/** Quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function curlCommand(url: string, headers: WebhookHeaders, options: Options): string {
  // --data-raw never reads a file, even for a body starting with "@"; --data-binary @file sends
  // the file's exact bytes (no newline stripping), which is what was signed.
  const data =
    options.file === undefined ? `--data-raw ${shellQuote(options.body)}` : `--data-binary ${shellQuote(`@${options.file}`)}`;
  return [
    `curl -sS -X POST ${shellQuote(url)}`,
    `  -H 'content-type: application/json'`,
    ...Object.entries(headers).map(([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)}`),
    `  ${data}`,
  ].join(" \\\n");
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const headers = await signedHeaders({
    id: options.id,
    timestampSeconds: options.timestampSeconds,
    body: options.body,
    secrets: [options.secret],
  });
  if (options.url !== undefined) console.log(curlCommand(options.url, headers, options));
  else if (options.json) console.log(JSON.stringify(headers, null, 2));
  else for (const [name, value] of Object.entries(headers)) console.log(`${name}: ${value}`);
}

main().catch((error: unknown) => {
  if (error instanceof HelpRequested) {
    console.log(USAGE);
    return;
  }
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`sign: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`sign: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
