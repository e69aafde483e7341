import {
  createFunctionHandle,
  type FunctionReference,
  type GenericActionCtx,
  type GenericDataModel,
} from "convex/server";
import type { z } from "zod";
import { DeliveryBody } from "../../src/contract/delivery";
import {
  ERROR_STATUS,
  toValidationIssues,
  type ErrorBody,
  type ErrorCode,
  type ValidationIssue,
} from "../../src/contract/errors";
import { IngestBody } from "../../src/contract/event";
import { readWebhookHeaders, verify, type VerifyFailure } from "../../src/signing/standard-webhooks";
import { BATCH_ENTITY_NAME, type BatchData } from "./batch";
import { verificationSecrets } from "./secrets";
import type { ComponentApi, FederationDataArgs, FederationDataResult } from "./types";

type HttpCtx = GenericActionCtx<GenericDataModel>;
type ApplyMutation = FunctionReference<"mutation", "public" | "internal", FederationDataArgs, FederationDataResult>;

const SIGNATURE_MESSAGES: Record<VerifyFailure, string> = {
  missing_headers: "webhook-id, webhook-timestamp and webhook-signature are required",
  invalid_timestamp: "webhook-timestamp is not a unix time in seconds",
  timestamp_too_old: "webhook-timestamp is more than 300 s in the past",
  timestamp_too_new: "webhook-timestamp is more than 300 s in the future",
  no_matching_signature: "no signature matches a configured secret",
};

function errorResponse(code: ErrorCode, message: string, issues?: ValidationIssue[]): Response {
  const body: ErrorBody = { error: issues ? { code, message, issues } : { code, message } };
  return Response.json(body, { status: ERROR_STATUS[code] });
}

/**
 * The body of a relay delivery (contract §5), or of a direct peer's batch, which is the
 * ingest body of contract §2: both carry the contract's events.
 */
function parseEvents(value: unknown): { events: unknown[] } | { issues: ValidationIssue[] } {
  const isDelivery = typeof value === "object" && value !== null && "workspaceId" in value;
  const parsed: z.ZodSafeParseResult<{ events: unknown[] }> = isDelivery
    ? DeliveryBody.safeParse(value)
    : IngestBody.safeParse(value);
  return parsed.success ? { events: parsed.data.events } : { issues: toValidationIssues(parsed.error) };
}

/**
 * `POST /federation/receive`: verifies the Standard Webhooks signature against every
 * configured secret (so rotations overlap), validates the body against the contract, and
 * applies the whole batch in one mutation. It answers 2xx only once that mutation has
 * committed, 401 for a bad, missing or expired signature, and 400 for a body that breaks the
 * contract; the relay retries anything else.
 */
export function makeFederationHttpHandler(component: ComponentApi, applyMutation: ApplyMutation, appName: string) {
  return async (ctx: HttpCtx, request: Request): Promise<Response> => {
    const body = await request.text();
    const secrets = await verificationSecrets(ctx, component);
    if (secrets.length === 0) {
      return errorResponse("invalid_signature", "no secret to verify deliveries with is configured");
    }
    const verified = await verify({ headers: readWebhookHeaders(request.headers), body, secrets });
    if (!verified.ok) return errorResponse("invalid_signature", SIGNATURE_MESSAGES[verified.reason]);

    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return errorResponse("invalid_request", "body is not valid JSON");
    }
    const parsed = parseEvents(value);
    if ("issues" in parsed) return errorResponse("invalid_request", "body does not match the contract", parsed.issues);

    const data: BatchData = {
      eventsJson: JSON.stringify(parsed.events),
      plan: await createFunctionHandle(component.inbox.plan),
      commit: await createFunctionHandle(component.inbox.commit),
    };
    let result: FederationDataResult;
    try {
      result = await ctx.runMutation(applyMutation, {
        entityName: BATCH_ENTITY_NAME,
        tableName: BATCH_ENTITY_NAME,
        operation: "update",
        data,
        version: 0,
      });
    } catch (error) {
      // Details go to the deployment's logs; the sender learns only that it should retry.
      console.error(`[${appName}] applying a federation delivery failed`, error);
      return errorResponse("internal", "applying the delivery failed; see the deployment's logs");
    }
    return Response.json({ ok: true, app: appName, ...result.counts });
  };
}

/** `GET /federation/health`, as in the seed: says the receiver is up and whose it is. */
export function makeFederationHealthHandler(appName: string) {
  return async (_ctx: HttpCtx, _request: Request): Promise<Response> =>
    Response.json({ ok: true, status: "ok", app: appName, timestamp: Date.now() });
}
