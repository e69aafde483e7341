/**
 * Generates `openapi.json`, the OpenAPI 3.1 document of the relay (contract §8), from the
 * route list in `src/contract/api.ts`, whose zod schemas are the ones the routes validate
 * with. `zod-openapi` renders each schema through zod 4's own JSON Schema conversion and builds
 * the parameters, bodies and responses around them. The Worker serves the committed file at
 * `GET /openapi.json`; `tests/node/codegen.test.ts` fails when it is stale.
 *
 * Regenerate with `npm run codegen`.
 */
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from "zod-openapi";
import pkg from "../../package.json" with { type: "json" };
import { API_OPERATIONS, WORKSPACE_PARAM, type ApiOperation } from "../../src/contract/api.ts";
import { ERROR_STATUS, ErrorBody, ValidationIssue, type ErrorCode } from "../../src/contract/errors.ts";
import { StoredEvent } from "../../src/contract/event.ts";
import { WorkspaceId } from "../../src/contract/ids.ts";
import { DeadLetter, DeliveryError, SubscriberStatus } from "../../src/contract/subscriber.ts";

export const OPENAPI_PATH = "openapi.json";

const SECURITY: Record<ApiOperation["auth"], { [scheme: string]: string[] }[]> = {
  none: [],
  admin: [{ adminToken: [] }],
  read: [{ adminToken: [] }, { readKey: [] }],
  signature: [{ standardWebhooks: [] }],
};

const ERROR_MEANING: Partial<Record<number, string>> = {
  400: "invalid input; validation errors list their issues",
  401: "missing or wrong credentials",
  403: "a read key that may not read this",
  404: "not found",
  409: "conflict with the current state",
  413: "request body or one event too large",
  429: "over a rate limit; retry after Retry-After seconds",
  500: "a bug in the relay; the body leaks nothing",
  503: "the workspace is overloaded; retry after Retry-After seconds",
};

/** `429 rate_limited` and `503 overloaded` say when to come back (contract §9). */
const RETRY_AFTER = z.object({ "retry-after": z.string().regex(/^\d+$/).meta({ description: "whole seconds to wait" }) });

/** The error codes an operation can answer with: its own and those its shape implies. */
function errorCodes(op: ApiOperation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors ?? []);
  if (op.path.includes("{workspaceId}") && !op.createsWorkspace) codes.add("workspace_not_found");
  if (op.path.includes("{workspaceId}") || op.params || op.query || op.body) codes.add("invalid_request");
  if (op.auth === "admin" || op.auth === "read") codes.add("unauthorized");
  if (op.auth === "read") codes.add("forbidden");
  if (op.auth === "signature") codes.add("invalid_signature");
  // Any call that reaches a workspace's Durable Object may find it overloaded.
  if (op.path.includes("{workspaceId}")) codes.add("overloaded");
  codes.add("internal");
  return [...codes];
}

/** The contract's error shape (a component), with `code` narrowed to the codes of one status. */
function errorBody(codes: ErrorCode[]) {
  return z.intersection(ErrorBody, z.looseObject({ error: z.looseObject({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }) }));
}

function operation(op: ApiOperation): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, response] of Object.entries(op.responses)) {
    responses[status] = response.body
      ? { description: response.description, content: { [response.mediaType ?? "application/json"]: { schema: response.body } } }
      : { description: response.description };
  }
  // A web page (the console) answers its errors as pages too.
  const isPage = Object.values(op.responses).some((response) => response.mediaType === "text/html");
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(op)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `${ERROR_MEANING[status] ?? "error"} (${codes.join(", ")})`,
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      content: isPage ? { "text/html": { schema: z.string() } } : { "application/json": { schema: errorBody(codes) } },
    };
  }
  const pathParams = { ...(op.path.includes("{workspaceId}") ? WORKSPACE_PARAM : {}), ...op.params };
  return {
    operationId: operationId(op),
    summary: op.summary,
    description: `Contract §${op.section}.`,
    tags: [`§${op.section.split(",")[0]}`],
    security: SECURITY[op.auth],
    requestParams: {
      ...(Object.keys(pathParams).length > 0 ? { path: z.object(pathParams) } : {}),
      ...(op.query ? { query: op.query } : {}),
    },
    ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: op.body } } } } : {}),
    responses: responses as ZodOpenApiOperationObject["responses"],
  };
}

/** e.g. `put /v1/workspaces/{workspaceId}/subscribers/{subscriberId}` → `putSubscribersBySubscriberId`. */
function operationId(op: ApiOperation): string {
  const words = op.path
    .split("/")
    .filter((part) => part && part !== "v1" && part !== "workspaces" && part !== "{workspaceId}")
    .map((part) => (part.startsWith("{") ? `by-${part.slice(1, -1)}` : part))
    .join("-")
    .split(/[-_.]/)
    .filter(Boolean);
  const tail = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  const base = op.path.startsWith("/v1/workspaces") && !op.path.startsWith("/v1/workspaces/") ? "Workspaces" : "";
  return `${op.method}${tail || base || "Workspace"}`;
}

export function generateOpenApiDocument(): string {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of API_OPERATIONS) paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
  const document = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Convex Edge Relay",
        version: pkg.version,
        description:
          "The relay's HTTP API (v1). Every error has the shape {\"error\":{\"code\",\"message\",\"issues?\"}}. " +
          "Generated from the zod schemas in src/contract/ by scripts/codegen/openapi.ts.",
      },
      // Named once and referenced everywhere they appear.
      components: {
        schemas: { ErrorBody, StoredEvent, SubscriberStatus, DeadLetter, DeliveryError, ValidationIssue, WorkspaceId },
        securitySchemes: {
          adminToken: { type: "http", scheme: "bearer", description: "RELAY_ADMIN_TOKEN" },
          readKey: { type: "http", scheme: "bearer", description: "a read key (rk_…) of the workspace; the feed also takes ?token=" },
          standardWebhooks: {
            type: "apiKey",
            in: "header",
            name: "webhook-signature",
            description: "Standard Webhooks v1: webhook-id, webhook-timestamp and webhook-signature, signed with an ingress secret",
          },
        },
      },
      paths,
    },
  );
  return `${JSON.stringify(document, null, 2)}\n`;
}
