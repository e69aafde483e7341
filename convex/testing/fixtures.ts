import { Webhook } from "standardwebhooks";
import type { StoredEvent } from "../../src/contract/event";
import { api } from "../example/convex/_generated/api";
import { makeExampleApp, type ExampleApp } from "./example-app";

/** The relay workspace's ingress secret (what this deployment signs with). */
export const INGRESS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** The relay subscriber's secret (what deliveries to this deployment are signed with). */
export const SUBSCRIBER_SECRET = "whsec_plJ3nmyCDGBKInavdOK15jsl";
export const WORKSPACE = "ws_test";
export const ORIGIN = "app-a";

type Strategy = "push" | "pull" | "bidirectional";

/**
 * The example app as a deployment (origin `app-a` unless told otherwise), federating `User`
 * (users) and `Task` (tasks), connected to the relay workspace at `relayUrl`.
 */
export async function setupApp(
  options: {
    relayUrl?: string;
    origin?: string;
    workspace?: string;
    ingressSecret?: string;
    subscriberSecret?: string;
    strategies?: { User?: Strategy; Task?: Strategy };
    retryScheduleMs?: number[];
  } = {},
): Promise<ExampleApp> {
  const t = makeExampleApp();
  await t.mutation(api.federation.configure, {
    origin: options.origin ?? ORIGIN,
    ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
  });
  await t.mutation(api.federation.registerEntity, {
    name: "User",
    table: "users",
    strategy: options.strategies?.User ?? "bidirectional",
  });
  await t.mutation(api.federation.registerEntity, {
    name: "Task",
    table: "tasks",
    strategy: options.strategies?.Task ?? "bidirectional",
  });
  await t.mutation(api.federation.addConnection, {
    projectId: "relay",
    url: options.relayUrl ?? "http://127.0.0.1:9",
    workspace: options.workspace ?? WORKSPACE,
    secret: options.ingressSecret ?? INGRESS_SECRET,
    receiveSecret: options.subscriberSecret ?? SUBSCRIBER_SECRET,
  });
  return t;
}

let nextVersion = 1;

/** A stored event (contract §3) carrying a `User` write from another deployment. */
export function userEvent(input: {
  id?: string;
  entityId: string;
  eventType?: "create" | "update" | "delete";
  name?: string;
  version: number;
  updatedAt?: number;
  origin?: string;
  lamport?: number;
  relayVersion?: number;
}): StoredEvent {
  const eventType = input.eventType ?? "update";
  const updatedAt = input.updatedAt ?? 1_000;
  return {
    workspaceId: WORKSPACE,
    version: input.relayVersion ?? nextVersion++,
    receivedAt: 1_763_769_600_123,
    id: input.id ?? `evt_${crypto.randomUUID()}`,
    entityKind: "User",
    entityId: input.entityId,
    eventType,
    payload: {
      table: "users",
      data:
        eventType === "delete"
          ? null
          : { email: `${input.entityId}@example.com`, name: input.name ?? "someone", version: input.version, updatedAt },
      version: input.version,
      updatedAt,
    },
    lamport: input.lamport ?? 0,
    source: { origin: input.origin ?? "app-b", mutation: "users:updateUser", actorId: null },
    emittedAt: 1_763_769_600_000,
    schemaVersion: 1,
  };
}

/** A delivery body (contract §5). */
export function deliveryBody(events: StoredEvent[], prevVersion = 0): string {
  return JSON.stringify({ workspaceId: WORKSPACE, subscriberId: "app-a", prevVersion, events });
}

/**
 * Headers of a delivery signed by the independent `standardwebhooks` package, as the relay
 * sends them. `secrets` lists the signatures to send (a rotation sends two).
 */
export function signedDeliveryHeaders(
  body: string,
  options: { secrets?: string[]; at?: Date; id?: string } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  const at = options.at ?? new Date();
  const signatures = (options.secrets ?? [SUBSCRIBER_SECRET]).map((secret) => new Webhook(secret).sign(id, at, body));
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/** POSTs a signed delivery to the app's receiver and returns the status and JSON body. */
export async function deliver(
  t: ExampleApp,
  events: StoredEvent[],
  options: Parameters<typeof signedDeliveryHeaders>[1] = {},
): Promise<{ status: number; body: any }> {
  const body = deliveryBody(events);
  const response = await t.fetch("/federation/receive", {
    method: "POST",
    headers: signedDeliveryHeaders(body, options),
    body,
  });
  return { status: response.status, body: await response.json() };
}

/** The app's users, by email, as plain data. */
export async function usersByEmail(t: ExampleApp): Promise<Record<string, { name: string; version: number; updatedAt: number }>> {
  const users = await t.query(api.users.list, {});
  return Object.fromEntries(users.map((u) => [u.email, { name: u.name, version: u.version, updatedAt: u.updatedAt }]));
}
