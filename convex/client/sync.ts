import type { GenericDatabaseReader, GenericDataModel, GenericMutationCtx } from "convex/server";
import type { GenericId } from "convex/values";
import { z } from "zod";
import { documentFields } from "../shared/payload";
import type { ComponentApi } from "./types";

/**
 * `syncNow({ entityName?, entityId? })`: sends the current state of one entity, of every
 * entity of a kind, or of everything, as fresh events, so that writes which were never sent
 * (made while the entity was disabled or before a connection existed) reach the other
 * deployments. Documents that exist go as `update` events; documents that are gone go as
 * `delete` events (tombstoned ones again, mapped ones whose document was deleted outside
 * federation for the first time). It also puts matching failed deliveries back in the queue
 * and wakes every dispatcher at once.
 *
 * It runs in the app's mutation (the component cannot read the app's tables). One call sends
 * at most `SYNC_PAGE` entities; when `isDone` is false, call again with the `cursor` it
 * returned.
 */
export const SYNC_PAGE = 100;

type SyncCtx = Pick<GenericMutationCtx<GenericDataModel>, "runMutation" | "runQuery"> & {
  db: GenericDatabaseReader<any>;
};

export type SyncNowArgs = { entityName?: string; entityId?: string; cursor?: string };
export type SyncNowResult = { sent: number; retried: number; woken: number; isDone: boolean; cursor: string | null };

/** Where a kind-wide sync is: which kind, which pass over it, and the page cursor. */
const Cursor = z.object({
  kind: z.number().int().min(0),
  pass: z.enum(["documents", "deleted", "mapped"]),
  page: z.string().nullable(),
});
type Cursor = z.infer<typeof Cursor>;
// Tombstones before mapped ids: a mapped entity found gone is tombstoned by its delete, and
// would otherwise be sent twice.
const PASSES = ["documents", "deleted", "mapped"] as const;

function parseCursor(cursor: string | undefined): Cursor {
  if (cursor === undefined) return { kind: 0, pass: "documents", page: null };
  try {
    return Cursor.parse(JSON.parse(cursor));
  } catch {
    throw new Error("syncNow: cursor is not one syncNow returned");
  }
}

export async function syncNow(ctx: SyncCtx, component: ComponentApi, args: SyncNowArgs): Promise<SyncNowResult> {
  const { kinds, entity } = await ctx.runQuery(component.sync.plan, {
    entityName: args.entityName,
    entityId: args.entityId,
  });
  const send = async (
    entityName: string,
    localId: string,
    document: Record<string, unknown> | null,
    entityId?: string,
  ): Promise<number> => {
    const event = await ctx.runMutation(component.outbox.enqueue, {
      entityName,
      operation: document === null ? "delete" : "update",
      localId,
      document: document === null ? null : documentFields(document),
      mutation: "syncNow",
      ...(entityId !== undefined ? { entityId } : {}),
    });
    return event === null ? 0 : 1;
  };

  let sent = 0;
  let cursor: string | null = null;
  if (entity !== null) {
    const document = entity.deleted ? null : await readDocument(ctx.db, entity.table, entity.localId);
    if (!entity.deleted && document === null && !entity.mapped) {
      throw new Error(`syncNow: no ${entity.entityName} ${JSON.stringify(args.entityId)} in table ${entity.table}`);
    }
    sent += await send(entity.entityName, entity.localId, document, entity.entityId);
  } else {
    ({ sent, cursor } = await syncPage(ctx, component, kinds, parseCursor(args.cursor), send));
  }
  const { retried, woken } = await ctx.runMutation(component.outbox.syncNow, {
    entityName: args.entityName,
    entityId: entity?.entityId,
  });
  return { sent, retried, woken, isDone: cursor === null, cursor };
}

async function readDocument(db: GenericDatabaseReader<any>, table: string, localId: string) {
  const id = db.normalizeId(table, localId);
  return id === null ? null : ((await db.get(id as GenericId<string>)) as Record<string, unknown> | null);
}

/** One page of a kind-wide sync: the app's documents, then tombstones, then mapped ones now gone. */
async function syncPage(
  ctx: SyncCtx,
  component: ComponentApi,
  kinds: { name: string; table: string }[],
  at: Cursor,
  send: (entityName: string, localId: string, document: Record<string, unknown> | null, entityId?: string) => Promise<number>,
): Promise<{ sent: number; cursor: string | null }> {
  const kind = kinds[at.kind];
  if (kind === undefined) return { sent: 0, cursor: null };
  const paginationOpts = { cursor: at.page, numItems: SYNC_PAGE };
  let sent = 0;
  let next: { page: string; isDone: boolean };
  if (at.pass === "documents") {
    const result = await ctx.db.query(kind.table).paginate(paginationOpts);
    for (const document of result.page) sent += await send(kind.name, document._id, document);
    next = { page: result.continueCursor, isDone: result.isDone };
  } else {
    const result = await ctx.runQuery(component.sync.knownPage, { entityName: kind.name, source: at.pass, paginationOpts });
    for (const known of result.page) {
      if (known.localId === null) {
        sent += await send(kind.name, known.entityId, null, known.entityId);
      } else if ((await readDocument(ctx.db, kind.table, known.localId)) === null) {
        sent += await send(kind.name, known.localId, null, known.entityId);
      }
    }
    next = { page: result.continueCursor, isDone: result.isDone };
  }
  if (!next.isDone) return { sent, cursor: JSON.stringify({ ...at, page: next.page }) };
  const pass = PASSES.indexOf(at.pass);
  const following: Cursor =
    pass < PASSES.length - 1 ? { kind: at.kind, pass: PASSES[pass + 1]!, page: null } : { kind: at.kind + 1, pass: "documents", page: null };
  return { sent, cursor: following.kind < kinds.length ? JSON.stringify(following) : null };
}
