import type {
  FunctionArgs,
  FunctionHandle,
  FunctionReturnType,
  GenericDataModel,
  GenericDatabaseWriter,
  GenericMutationCtx,
} from "convex/server";
import { jsonToConvex, type GenericId, type Value } from "convex/values";
import { documentFields } from "../shared/payload";
import { BATCH_ENTITY_NAME, BatchData } from "./batch";
import type { ComponentApi, FederationDataArgs, FederationDataResult } from "./types";

type DataCtx = GenericMutationCtx<GenericDataModel>;
type Plan = ComponentApi["inbox"]["plan"];
type Commit = ComponentApi["inbox"]["commit"];
type Applied = FunctionArgs<Commit>["applied"][number];

/**
 * The handler of the app's `applyFederatedData` internal mutation (seed: "writes to YOUR
 * tables"). It runs in the app, so it can write the app's tables; the component decides
 * what to write. Handles a whole delivery from the HTTP handler, or one change when called
 * directly with the seed's arguments.
 */
export function makeFederationDataHandler() {
  return async (ctx: DataCtx, args: FederationDataArgs): Promise<FederationDataResult> => {
    if (args.entityName === BATCH_ENTITY_NAME) return await applyBatch(ctx, BatchData.parse(args.data));
    return await applySingle(ctx, args);
  };
}

async function applyBatch(ctx: DataCtx, batch: BatchData): Promise<FederationDataResult> {
  const plan = batch.plan as FunctionHandle<"mutation", FunctionArgs<Plan>, FunctionReturnType<Plan>>;
  const commit = batch.commit as FunctionHandle<"mutation", FunctionArgs<Commit>, FunctionReturnType<Commit>>;
  const { writes, counts } = await ctx.runMutation(plan, { eventsJson: batch.eventsJson });
  const db = ctx.db as GenericDatabaseWriter<GenericDataModel>;
  const applied: Applied[] = [];
  for (const write of writes) {
    // A local id may name a document that was deleted outside federation since.
    const localId = write.localId === null ? null : db.normalizeId(write.table, write.localId);
    const exists = localId !== null && (await db.get(write.table, localId)) !== null;
    if (write.op === "delete") {
      if (exists) await db.delete(write.table, localId);
      continue;
    }
    const fields = documentFields(jsonToConvex(JSON.parse(write.dataJson)) as Record<string, Value>);
    let id: GenericId<string>;
    if (exists) {
      await db.replace(write.table, localId, fields);
      id = localId;
    } else {
      id = await db.insert(write.table, fields);
    }
    const { op: _op, dataJson: _dataJson, localId: _localId, ...row } = write;
    applied.push({ ...row, localId: id });
  }
  if (applied.length > 0) await ctx.runMutation(commit, { applied });
  return { success: true, counts };
}

/**
 * One change, as the seed's handler applied it: straight to the table, kept only when its
 * `version` is newer than the document's. No dedupe, tombstones or id mapping: those need
 * the component, which the HTTP handler's batches go through.
 */
async function applySingle(ctx: DataCtx, args: FederationDataArgs): Promise<FederationDataResult> {
  const db = ctx.db as GenericDatabaseWriter<GenericDataModel>;
  const localId = args.localId === undefined ? null : db.normalizeId(args.tableName, args.localId);
  const existing = localId === null ? null : await db.get(args.tableName, localId);
  if (args.operation === "delete") {
    if (localId === null || existing === null) return { success: true, action: "skipped" };
    await db.delete(args.tableName, localId);
    return { success: true, action: "deleted", localId };
  }
  const fields = documentFields(args.data as Record<string, unknown>);
  if (localId !== null && existing !== null) {
    const current = typeof existing.version === "number" ? existing.version : 0;
    if (args.version <= current) return { success: true, action: "skipped", localId };
    await db.replace(args.tableName, localId, fields);
    return { success: true, action: "updated", localId };
  }
  const id = await db.insert(args.tableName, fields);
  return { success: true, action: "created", localId: id };
}
