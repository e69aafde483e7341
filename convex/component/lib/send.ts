import { IngestResponse } from "../../../src/contract/event";
import { signedHeaders } from "../../../src/signing/standard-webhooks";
import { parseSecretList, toWebhookSecret } from "../../shared/secrets";
import { readEnv } from "../../shared/env";
import { ingestUrl, type ConnectionConfig } from "./connectionConfig";
import { refusalOf } from "./refusals";

/** Contract §5 uses 15 s for deliveries; ingest gets the same patience. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Retry-After is honoured up to an hour, as the relay does. */
const MAX_RETRY_AFTER_MS = 3_600_000;
const MAX_ERROR_MESSAGE = 500;

export type SendTarget = Pick<ConnectionConfig, "kind" | "url" | "workspace" | "secret" | "secretEnvVar">;

export type SendOutcome =
  /** The receiver committed the batch; `versions` are the relay's (empty for a direct peer). */
  | { kind: "accepted"; versions: { id: string; version: number }[] }
  /** The receiver refused the events themselves (most 4xx; see `refusals.ts`). */
  | { kind: "rejected"; status: number; message: string }
  /** The connection failed: unreachable, timed out, 401, 404, 429, 5xx… Retried with backoff. */
  | { kind: "failed"; status: number | null; message: string; retryAfterMs?: number };

/** The secrets to sign with: the stored one, or those listed in its env var (rotation). */
export function signingSecrets(target: SendTarget): { secrets: string[] } | { problem: string } {
  if (target.secret !== undefined) return { secrets: [toWebhookSecret(target.secret)] };
  const name = target.secretEnvVar ?? "";
  const secrets = parseSecretList(readEnv(name));
  if (secrets.length > 0) return { secrets };
  return {
    problem:
      `no usable secret in env var ${name}: bind it to the component (app.use(federation, { env: { ${name}: … } })) ` +
      "and set it to a whsec_ secret or a passphrase of at least 32 characters",
  };
}

function retryAfterMs(response: Response): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const header = response.headers.get("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** The contract's error message when the body has one, else the status text. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error.message === "string") {
      message = `${response.status} ${String(parsed.error.code)}: ${parsed.error.message}`;
    }
  } catch {
    // Not JSON: the status line says enough.
  }
  return message.slice(0, MAX_ERROR_MESSAGE);
}

/**
 * POSTs one signed batch (`{"events":[…]}`, contract §2) and classifies the answer.
 * `envelopes` are JSON texts, joined as they are so that what was signed is what is sent.
 */
export async function sendBatch(input: {
  target: SendTarget;
  webhookId: string;
  envelopes: string[];
}): Promise<SendOutcome> {
  const signing = signingSecrets(input.target);
  if ("problem" in signing) return { kind: "failed", status: null, message: signing.problem };
  const { secrets } = signing;
  const body = `{"events":[${input.envelopes.join(",")}]}`;
  const headers = await signedHeaders({
    id: input.webhookId,
    timestampSeconds: Math.floor(Date.now() / 1000),
    body,
    secrets,
  });

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(ingestUrl(input.target), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      redirect: "manual",
      signal: abort.signal,
    });
  } catch (error) {
    const message = abort.signal.aborted ? `timed out after ${REQUEST_TIMEOUT_MS} ms` : String(error);
    return { kind: "failed", status: null, message: message.slice(0, MAX_ERROR_MESSAGE) };
  } finally {
    clearTimeout(timer);
  }

  if (response.status >= 200 && response.status < 300) {
    const text = await response.text().catch(() => "");
    return { kind: "accepted", versions: relayVersions(input.target, text) };
  }
  const message = await errorMessage(response);
  if (refusalOf(response.status) !== "connection") return { kind: "rejected", status: response.status, message };
  const retryAfter = retryAfterMs(response);
  return retryAfter === undefined
    ? { kind: "failed", status: response.status, message }
    : { kind: "failed", status: response.status, message, retryAfterMs: retryAfter };
}

/** The versions the relay assigned (contract §2 response); none from a direct peer. */
function relayVersions(target: SendTarget, text: string): { id: string; version: number }[] {
  if (target.kind !== "relay") return [];
  try {
    const parsed = IngestResponse.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.results.map(({ id, version }) => ({ id, version })) : [];
  } catch {
    return [];
  }
}
