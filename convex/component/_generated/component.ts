/* eslint-disable */
/**
 * Generated `ComponentApi` utility.
 *
 * Written by hand in the layout `npx convex dev` generates for components, because no Convex
 * deployment is reachable from this repository's build. `generated.test.ts` checks that it
 * matches the component's public functions.
 * @module
 */

import type { FunctionReference } from "convex/server";

/**
 * A utility for referencing a Convex component's exposed API.
 *
 * Useful when expecting a parameter like `components.myComponent`.
 * Usage:
 * ```ts
 * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
 *   return ctx.runQuery(component.someFile.someQuery, { ...args });
 * }
 * ```
 */
export type ComponentApi<Name extends string | undefined = string | undefined> = {
  connections: {
    add: FunctionReference<
      "mutation",
      "internal",
      {
        kind?: "relay" | "direct";
        projectId: string;
        receiveSecret?: string;
        receiveSecretEnvVar?: string;
        secret?: string;
        secretEnvVar?: string;
        url: string;
        workspace?: string;
      },
      {
        _id: string;
        consecutiveFailures: number;
        createdAt: number;
        hasReceiveSecret: boolean;
        hasSecret: boolean;
        kind: "relay" | "direct";
        lastError: { at: number; message: string; status: number | null } | null;
        lastSuccessAt: number | null;
        lastTest: { at: number; message: string; ok: boolean; status: number | null } | null;
        nextAttemptAt: number | null;
        pendingEvents: number;
        phase: "idle" | "scheduled" | "running" | "backoff";
        projectId: string;
        receiveSecretEnvVar: string | null;
        scheduledDispatches: number;
        secretEnvVar: string | null;
        status: "unknown" | "online" | "offline";
        url: string;
        workspace: string | null;
      },
      Name
    >;
    get: FunctionReference<
      "query",
      "internal",
      { projectId: string },
      {
        _id: string;
        consecutiveFailures: number;
        createdAt: number;
        hasReceiveSecret: boolean;
        hasSecret: boolean;
        kind: "relay" | "direct";
        lastError: { at: number; message: string; status: number | null } | null;
        lastSuccessAt: number | null;
        lastTest: { at: number; message: string; ok: boolean; status: number | null } | null;
        nextAttemptAt: number | null;
        pendingEvents: number;
        phase: "idle" | "scheduled" | "running" | "backoff";
        projectId: string;
        receiveSecretEnvVar: string | null;
        scheduledDispatches: number;
        secretEnvVar: string | null;
        status: "unknown" | "online" | "offline";
        url: string;
        workspace: string | null;
      } | null,
      Name
    >;
    list: FunctionReference<
      "query",
      "internal",
      {},
      Array<{
        _id: string;
        consecutiveFailures: number;
        createdAt: number;
        hasReceiveSecret: boolean;
        hasSecret: boolean;
        kind: "relay" | "direct";
        lastError: { at: number; message: string; status: number | null } | null;
        lastSuccessAt: number | null;
        lastTest: { at: number; message: string; ok: boolean; status: number | null } | null;
        nextAttemptAt: number | null;
        pendingEvents: number;
        phase: "idle" | "scheduled" | "running" | "backoff";
        projectId: string;
        receiveSecretEnvVar: string | null;
        scheduledDispatches: number;
        secretEnvVar: string | null;
        status: "unknown" | "online" | "offline";
        url: string;
        workspace: string | null;
      }>,
      Name
    >;
    remove: FunctionReference<"mutation", "internal", { connectionId: string }, { removed: boolean }, Name>;
    test: FunctionReference<
      "mutation",
      "internal",
      { connectionId: string },
      { projectId: string; resultIn: string; scheduled: boolean },
      Name
    >;
    testNow: FunctionReference<
      "action",
      "internal",
      { connectionId: string },
      { at: number; message: string; ok: boolean; status: number | null },
      Name
    >;
    verificationSecrets: FunctionReference<
      "query",
      "internal",
      {},
      { envVars: Array<string>; secrets: Array<string> },
      Name
    >;
  };
  entities: {
    list: FunctionReference<
      "query",
      "internal",
      {},
      Array<{
        _id: string;
        createdAt: number;
        enabled: boolean;
        name: string;
        strategy: "push" | "pull" | "bidirectional";
        table: string;
      }>,
      Name
    >;
    register: FunctionReference<
      "mutation",
      "internal",
      { name: string; strategy: "push" | "pull" | "bidirectional"; table: string },
      {
        _id: string;
        createdAt: number;
        enabled: boolean;
        name: string;
        strategy: "push" | "pull" | "bidirectional";
        table: string;
      },
      Name
    >;
    remove: FunctionReference<"mutation", "internal", { entityId: string }, { removed: boolean }, Name>;
    toggle: FunctionReference<
      "mutation",
      "internal",
      { enabled: boolean; entityId: string },
      {
        _id: string;
        createdAt: number;
        enabled: boolean;
        name: string;
        strategy: "push" | "pull" | "bidirectional";
        table: string;
      },
      Name
    >;
  };
  inbox: {
    commit: FunctionReference<
      "mutation",
      "internal",
      {
        applied: Array<{
          entityId: string;
          entityName: string;
          lamport: number;
          localId: string;
          origin: string;
          table: string;
          updatedAt: number;
          version: number;
        }>;
      },
      null,
      Name
    >;
    plan: FunctionReference<
      "mutation",
      "internal",
      { eventsJson: string },
      {
        counts: {
          applied: number;
          duplicate: number;
          echo: number;
          ignored: number;
          invalid: number;
          received: number;
          stale: number;
        };
        writes: Array<
          | {
              dataJson: string;
              entityId: string;
              entityName: string;
              lamport: number;
              localId: string | null;
              op: "upsert";
              origin: string;
              table: string;
              updatedAt: number;
              version: number;
            }
          | {
              entityId: string;
              entityName: string;
              localId: string | null;
              op: "delete";
              table: string;
            }
        >;
      },
      Name
    >;
  };
  outbox: {
    clearOld: FunctionReference<
      "mutation",
      "internal",
      { olderThanDays: number },
      { deleted: number; hasMore: boolean; inboxDeleted: number },
      Name
    >;
    enqueue: FunctionReference<
      "mutation",
      "internal",
      {
        actorId?: string | null;
        document: Record<string, any> | null;
        entityId?: string;
        entityName: string;
        localId: string;
        mutation?: string;
        operation: "create" | "update" | "delete";
      },
      { entityId: string; eventId: string; lamport: number } | null,
      Name
    >;
    list: FunctionReference<
      "query",
      "internal",
      {
        entityName?: string;
        limit?: number;
        status?: "pending" | "sent" | "failed" | "skipped";
      },
      Array<{
        createdAt: number;
        deliveries: Array<{
          attempts: number;
          connectionId: string;
          lastError: string | null;
          projectId: string | null;
          relayVersion: number | null;
          sentAt: number | null;
          status: "pending" | "sent" | "failed";
        }>;
        entityId: string;
        entityName: string;
        eventId: string;
        eventType: "create" | "update" | "delete";
        lamport: number;
        localId: string;
        status: "pending" | "sent" | "failed" | "skipped";
      }>,
      Name
    >;
    retry: FunctionReference<"mutation", "internal", { eventId: string }, { retried: number }, Name>;
    stats: FunctionReference<
      "query",
      "internal",
      {},
      {
        failed: number;
        pending: number;
        sent: number;
        skipped: number;
        total: number;
        truncated: boolean;
      },
      Name
    >;
    syncNow: FunctionReference<
      "mutation",
      "internal",
      { entityId?: string; entityName?: string },
      { retried: number; woken: number },
      Name
    >;
  };
  settings: {
    configure: FunctionReference<
      "mutation",
      "internal",
      { origin?: string | null; retryScheduleMs?: Array<number> | null },
      {
        origin: string;
        originSource: "configured" | "deployment";
        retryScheduleMs: Array<number>;
      },
      Name
    >;
    get: FunctionReference<
      "query",
      "internal",
      {},
      {
        origin: string;
        originSource: "configured" | "deployment";
        retryScheduleMs: Array<number>;
      },
      Name
    >;
  };
  sync: {
    knownPage: FunctionReference<
      "query",
      "internal",
      {
        entityName: string;
        paginationOpts: {
          cursor: string | null;
          endCursor?: string | null;
          id?: number;
          maximumBytesRead?: number;
          maximumRowsRead?: number;
          numItems: number;
        };
        source: "mapped" | "deleted";
      },
      {
        continueCursor: string;
        isDone: boolean;
        page: Array<{ entityId: string; localId: string | null }>;
      },
      Name
    >;
    plan: FunctionReference<
      "query",
      "internal",
      { entityId?: string; entityName?: string },
      {
        entity: null | {
          deleted: boolean;
          entityId: string;
          entityName: string;
          localId: string;
          mapped: boolean;
          table: string;
        };
        kinds: Array<{ name: string; table: string }>;
      },
      Name
    >;
  };
};
