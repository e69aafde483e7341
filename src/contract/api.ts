import { z } from "zod";
import { AlertDestination, AlertDestinationCreated, AlertDestinationList, PutAlertBody } from "./alerts";
import { AttemptQuery, DeliveryAttemptPage } from "./attempts";
import { StatsQuery, WorkspaceStats } from "./stats";
import { DirectoryPage, DirectoryQuery } from "./directory";
import type { ErrorCode } from "./errors";
import { EventVersionParam, IngestBody, IngestResponse, ReadQuery, ReadResponse, ReadResponseDesc, StoredEvent } from "./event";
import { FeedQuery } from "./feed";
import { AlertId, SubscriberId, WorkspaceId } from "./ids";
import { CreateReadKeyBody, ReadKeyCreated, ReadKeyId, ReadKeyList } from "./keys";
import {
  DeadLetterList,
  HealthResponse,
  SubscriberCreated,
  SubscriberList,
  SubscriberSecretRotated,
} from "./responses";
import { DeadLetterQuery, PutSubscriberBody, ReplayBody, RotateSubscriberSecretBody, SubscriberStatus } from "./subscriber";
import { PutWorkspaceBody, RotateSecretBody, SecretRotated, WorkspaceCreated, WorkspaceInfo } from "./workspace";

/**
 * Every route of the HTTP API, described once, with the zod schemas the routes validate with.
 * `scripts/codegen/openapi.ts` turns this list into `openapi.json` (`npm run codegen`), and
 * the tests check that the app's routes and real responses agree with it. Adding a route is
 * one entry here. Errors that follow from an entry's shape are added by the generator: 400
 * for any parameter, query or body, 401/403 by auth, 404 workspace_not_found for paths under
 * a workspace, and 500 internal everywhere.
 */
export type ApiOperation = {
  method: "get" | "put" | "post" | "delete";
  /** OpenAPI path template, e.g. `/v1/workspaces/{workspaceId}`. */
  path: string;
  summary: string;
  /** Contract section, for the reader of the document. */
  section: string;
  auth: "none" | "admin" | "read" | "signature";
  /** Path parameters other than `workspaceId`, which every path under a workspace gets. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Successful answers: status, what it means, and the body if there is one (JSON unless said). */
  responses: Record<number, { description: string; body?: z.ZodType; mediaType?: "text/html" }>;
  /** Error codes this operation answers with besides the ones the generator adds. */
  errors?: ErrorCode[];
  /** The PUT that creates its workspace: it never answers workspace_not_found. */
  createsWorkspace?: true;
};

const WS = "/v1/workspaces/{workspaceId}";
const SUBSCRIBER = `${WS}/subscribers/{subscriberId}`;
const subscriberParams = { subscriberId: SubscriberId };
const subscriberNotFound: ErrorCode[] = ["subscriber_not_found"];
const status200 = { 200: { description: "the subscriber's status", body: SubscriberStatus } };

export const API_OPERATIONS: ApiOperation[] = [
  // §7
  { method: "get", path: "/health", section: "7", summary: "Health", auth: "none", responses: { 200: { description: "the relay is up", body: HealthResponse } } },
  // §8: the document itself
  {
    method: "get",
    path: "/openapi.json",
    section: "8",
    summary: "This OpenAPI 3.1 document",
    auth: "none",
    responses: { 200: { description: "the document", body: z.object({ openapi: z.string() }).passthrough() } },
  },
  // §8: the console's entry page (its other pages are the console's own, not the API's)
  {
    method: "get",
    path: "/console",
    section: "8",
    summary: "The operator console, a web page",
    auth: "none",
    responses: {
      200: {
        description: "the console; without a session, its login form (it asks for the admin token in a form, never in a URL)",
        body: z.string(),
        mediaType: "text/html",
      },
    },
  },
  // §8: directory
  {
    method: "get",
    path: "/v1/workspaces",
    section: "8",
    summary: "List workspaces, sorted by workspaceId",
    auth: "admin",
    query: DirectoryQuery,
    responses: { 200: { description: "a page of workspaces", body: DirectoryPage } },
  },
  // §1
  {
    method: "put",
    path: WS,
    section: "1",
    summary: "Create a workspace, or update its settings",
    auth: "admin",
    createsWorkspace: true,
    body: PutWorkspaceBody,
    responses: {
      201: { description: "created; the ingress secret is shown this once", body: WorkspaceCreated },
      200: { description: "updated", body: WorkspaceInfo },
    },
  },
  { method: "get", path: WS, section: "1", summary: "Get a workspace", auth: "admin", responses: { 200: { description: "the workspace", body: WorkspaceInfo } } },
  { method: "delete", path: WS, section: "1", summary: "Delete a workspace and everything it stored", auth: "admin", responses: { 204: { description: "deleted" } } },
  {
    method: "post",
    path: `${WS}/ingress-secrets/rotate`,
    section: "1",
    summary: "Rotate the ingress secret",
    auth: "admin",
    body: RotateSecretBody,
    responses: { 200: { description: "the new secret; the old one works until previousValidUntil", body: SecretRotated } },
  },
  // §2, §3, §8
  {
    method: "post",
    path: `${WS}/events`,
    section: "2",
    summary: "Ingest events (Standard Webhooks signature)",
    auth: "signature",
    body: IngestBody,
    responses: { 200: { description: "stored (or known) events and their versions", body: IngestResponse } },
    errors: ["payload_too_large", "rate_limited"],
  },
  {
    method: "get",
    path: `${WS}/events`,
    section: "3, 8",
    summary: "Read or search the log (asc with after/nextAfter, desc with before/nextBefore)",
    auth: "read",
    query: ReadQuery,
    responses: { 200: { description: "a page of events", body: z.union([ReadResponse, ReadResponseDesc]) } },
  },
  {
    method: "get",
    path: `${WS}/events/{version}`,
    section: "8",
    summary: "One event by version",
    auth: "read",
    params: { version: EventVersionParam },
    responses: { 200: { description: "the event", body: StoredEvent } },
    errors: ["event_not_found"],
  },
  // §4
  { method: "get", path: `${WS}/subscribers`, section: "4", summary: "List subscribers", auth: "admin", responses: { 200: { description: "every subscriber's status", body: SubscriberList } } },
  {
    method: "put",
    path: SUBSCRIBER,
    section: "4",
    summary: "Create or update a subscriber",
    auth: "admin",
    params: subscriberParams,
    body: PutSubscriberBody,
    responses: {
      201: { description: "created; the signing secret is shown this once", body: SubscriberCreated },
      200: { description: "updated", body: SubscriberStatus },
    },
  },
  { method: "get", path: SUBSCRIBER, section: "4", summary: "Get a subscriber's status", auth: "admin", params: subscriberParams, responses: status200, errors: subscriberNotFound },
  { method: "delete", path: SUBSCRIBER, section: "4", summary: "Delete a subscriber", auth: "admin", params: subscriberParams, responses: { 204: { description: "deleted" } }, errors: subscriberNotFound },
  { method: "post", path: `${SUBSCRIBER}/replay`, section: "4", summary: "Move the cursor; delivery resumes after afterVersion", auth: "admin", params: subscriberParams, body: ReplayBody, responses: status200, errors: subscriberNotFound },
  { method: "post", path: `${SUBSCRIBER}/pause`, section: "4", summary: "Pause delivery", auth: "admin", params: subscriberParams, responses: status200, errors: subscriberNotFound },
  { method: "post", path: `${SUBSCRIBER}/resume`, section: "4", summary: "Resume delivery from the cursor", auth: "admin", params: subscriberParams, responses: status200, errors: subscriberNotFound },
  // §9 enable and disable
  { method: "post", path: `${SUBSCRIBER}/disable`, section: "9", summary: "Disable delivery (disabledReason manual); the cursor stays", auth: "admin", params: subscriberParams, responses: status200, errors: subscriberNotFound },
  { method: "post", path: `${SUBSCRIBER}/enable`, section: "9", summary: "Enable delivery again, from the cursor", auth: "admin", params: subscriberParams, responses: status200, errors: subscriberNotFound },
  // §8 attempts
  {
    method: "get",
    path: `${SUBSCRIBER}/attempts`,
    section: "8",
    summary: "Delivery attempts, newest first",
    auth: "admin",
    params: subscriberParams,
    query: AttemptQuery,
    responses: { 200: { description: "a page of attempts", body: DeliveryAttemptPage } },
    errors: subscriberNotFound,
  },
  {
    method: "post",
    path: `${SUBSCRIBER}/secret/rotate`,
    section: "4",
    summary: "Rotate the subscriber's signing secret",
    auth: "admin",
    params: subscriberParams,
    body: RotateSubscriberSecretBody,
    responses: { 200: { description: "the new secret; deliveries carry both signatures until previousValidUntil", body: SubscriberSecretRotated } },
    errors: subscriberNotFound,
  },
  { method: "get", path: `${WS}/dead-letters`, section: "4", summary: "List dead letters", auth: "admin", query: DeadLetterQuery, responses: { 200: { description: "dead letters, newest first", body: DeadLetterList } } },
  {
    method: "post",
    path: `${WS}/dead-letters/{deadLetterId}/redeliver`,
    section: "4",
    summary: "Redeliver a dead letter's events",
    auth: "admin",
    params: { deadLetterId: z.string() },
    responses: { 202: { description: "redelivery started" } },
    errors: ["dead_letter_not_found", "conflict"],
  },
  // §8 stats
  {
    method: "get",
    path: `${WS}/stats`,
    section: "8",
    summary: "Throughput and delivery latency in time buckets",
    auth: "admin",
    query: StatsQuery,
    responses: { 200: { description: "the window's buckets", body: WorkspaceStats } },
  },
  // §9 alerts
  {
    method: "put",
    path: `${WS}/alerts/{alertId}`,
    section: "9",
    summary: "Create or update an alert destination",
    auth: "admin",
    params: { alertId: AlertId },
    body: PutAlertBody,
    responses: {
      201: { description: "created; the signing secret is shown this once", body: AlertDestinationCreated },
      200: { description: "updated", body: AlertDestination },
    },
  },
  { method: "get", path: `${WS}/alerts`, section: "9", summary: "List alert destinations, without their secrets", auth: "admin", responses: { 200: { description: "the destinations", body: AlertDestinationList } } },
  { method: "delete", path: `${WS}/alerts/{alertId}`, section: "9", summary: "Delete an alert destination", auth: "admin", params: { alertId: AlertId }, responses: { 204: { description: "deleted" } }, errors: ["alert_not_found"] },
  // §6
  { method: "post", path: `${WS}/keys`, section: "6", summary: "Create a read key", auth: "admin", body: CreateReadKeyBody, responses: { 201: { description: "created; the key is shown this once", body: ReadKeyCreated } } },
  { method: "get", path: `${WS}/keys`, section: "6", summary: "List read keys, without their secrets", auth: "admin", responses: { 200: { description: "the keys", body: ReadKeyList } } },
  { method: "delete", path: `${WS}/keys/{keyId}`, section: "6", summary: "Revoke a read key", auth: "admin", params: { keyId: ReadKeyId }, responses: { 204: { description: "revoked" } }, errors: ["key_not_found"] },
  {
    method: "get",
    path: `${WS}/feed`,
    section: "6",
    summary: "Live feed (WebSocket upgrade; a read key in Authorization or ?token=)",
    auth: "read",
    query: FeedQuery,
    responses: { 101: { description: "switching to the WebSocket feed" } },
  },
];

/** The path parameter every operation under a workspace has. */
export const WORKSPACE_PARAM = { workspaceId: WorkspaceId };
