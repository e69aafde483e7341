import type { GenericDataModel, GenericMutationCtx } from "convex/server";
import type { GenericId } from "convex/values";
import { documentFields, type EventOperation } from "../shared/payload";
import type { ComponentApi } from "./types";

type SyncedCtx = GenericMutationCtx<GenericDataModel>;

/** The local id a handler's result names: an id, or a document (or `{ _id }`). */
function localIdOf(result: unknown, operation: EventOperation, entityName: string): string {
  if (typeof result === "string") return result;
  if (typeof result === "object" && result !== null && typeof (result as { _id?: unknown })._id === "string") {
    return (result as { _id: string })._id;
  }
  throw new Error(
    `synced ${operation} of ${entityName}: the handler must return the document's id, the document, or { _id }`,
  );
}

/**
 * Wraps a create, update or delete handler so that its write and the event describing it
 * commit together: the handler runs, then the component records the event in the same
 * transaction. If the handler (or anything after it in the mutation) throws, neither the
 * document nor the event nor the dispatch exists.
 */
function synced(component: ComponentApi, operation: EventOperation) {
  // `ctx` takes the app's types from `mutation({ args, handler })`. The handler's arguments
  // cannot: TypeScript does not carry the `args` validator's type into a call written as
  // `handler: syncedCreate(…)`, so they default to `any`, as in the seed; annotate them
  // (`async (ctx, args: { email: string }) => …`) for checked types.
  return <Ctx extends SyncedCtx, Args extends unknown[] = any[], Result = unknown>(
    entityName: string,
    handler: (ctx: Ctx, ...args: Args) => Promise<Result>,
  ): ((ctx: Ctx, ...args: Args) => Promise<Result>) =>
    async (ctx, ...args) => {
      const result = await handler(ctx, ...args);
      const localId = localIdOf(result, operation, entityName);
      const document = (await ctx.db.get(localId as GenericId<string>)) as Record<string, unknown> | null;
      if (operation === "delete" && document !== null) {
        throw new Error(`synced delete of ${entityName}: the handler returned ${localId} but did not delete it`);
      }
      if (operation !== "delete" && document === null) {
        throw new Error(`synced ${operation} of ${entityName}: document ${localId} does not exist after the handler`);
      }
      const { name } = await ctx.meta.getFunctionMetadata();
      const identity = await ctx.auth.getUserIdentity();
      await ctx.runMutation(component.outbox.enqueue, {
        entityName,
        operation,
        localId,
        document: document === null ? null : documentFields(document),
        mutation: name,
        actorId: identity?.subject ?? null,
      });
      return result;
    };
}

/**
 * `syncedCreate(entityName, handler)`, `syncedUpdate(…)` and `syncedDelete(…)`, as in the
 * seed. A create returns the new id (or document), an update the document (or its id), and a
 * delete `{ _id }` of the document it deleted.
 */
export function makeSyncedHandlers(component: ComponentApi) {
  return {
    syncedCreate: synced(component, "create"),
    syncedUpdate: synced(component, "update"),
    syncedDelete: synced(component, "delete"),
  };
}
