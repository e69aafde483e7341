/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * Written by hand in the layout `npx convex dev` generates for components, because no Convex
 * deployment is reachable from this repository's build. `generated.test.ts` checks it.
 * @module
 */

import type * as connections from "../connections.js";
import type * as crons from "../crons.js";
import type * as dispatch from "../dispatch.js";
import type * as entities from "../entities.js";
import type * as inbox from "../inbox.js";
import type * as lib_connectionConfig from "../lib/connectionConfig.js";
import type * as lib_dispatcher from "../lib/dispatcher.js";
import type * as lib_entityClock from "../lib/entityClock.js";
import type * as lib_env from "../lib/env.js";
import type * as lib_envelope from "../lib/envelope.js";
import type * as lib_ids from "../lib/ids.js";
import type * as lib_outboxStatus from "../lib/outboxStatus.js";
import type * as lib_refusals from "../lib/refusals.js";
import type * as lib_send from "../lib/send.js";
import type * as lib_settings from "../lib/settings.js";
import type * as lib_validators from "../lib/validators.js";
import type * as outbox from "../outbox.js";
import type * as settings from "../settings.js";
import type * as sync from "../sync.js";

import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  connections: typeof connections;
  crons: typeof crons;
  dispatch: typeof dispatch;
  entities: typeof entities;
  inbox: typeof inbox;
  "lib/connectionConfig": typeof lib_connectionConfig;
  "lib/dispatcher": typeof lib_dispatcher;
  "lib/entityClock": typeof lib_entityClock;
  "lib/env": typeof lib_env;
  "lib/envelope": typeof lib_envelope;
  "lib/ids": typeof lib_ids;
  "lib/outboxStatus": typeof lib_outboxStatus;
  "lib/refusals": typeof lib_refusals;
  "lib/send": typeof lib_send;
  "lib/settings": typeof lib_settings;
  "lib/validators": typeof lib_validators;
  outbox: typeof outbox;
  settings: typeof settings;
  sync: typeof sync;
}> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export const api: FilterApi<typeof fullApi, FunctionReference<any, "public">> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">> = anyApi as any;

export const components = componentsGeneric() as unknown as {};
