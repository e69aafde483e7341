import type { GenericDatabaseWriter, GenericDataModel } from "convex/server";

/**
 * A `ctx.db` that records what a mutation reads and writes, so a test can tell whether two
 * mutations would conflict under Convex's optimistic concurrency: they do when one writes a
 * document the other read, or inserts (or moves) a document into an index range the other read.
 *
 * Reads are recorded as index ranges (table, index, the fields fixed by `eq`) plus the
 * documents they returned; writes as the document written and its fields after the write.
 */
export type ReadRange = { table: string; index: string; eq: Record<string, unknown>; bounded: boolean };
export type Write = { kind: "insert" | "patch" | "replace" | "delete"; table: string; id: string; after: Record<string, unknown> | null };
export type Recording = { ranges: ReadRange[]; documentsRead: Set<string>; writes: Write[] };

type AnyDb = GenericDatabaseWriter<GenericDataModel>;
type Doc = Record<string, unknown> & { _id: string };

export function newRecording(): Recording {
  return { ranges: [], documentsRead: new Set(), writes: [] };
}

/** Records `eq` constraints while forwarding every call to Convex's own range builder. */
function recordingRange(real: any, range: ReadRange): any {
  return new Proxy(real, {
    get(target, property) {
      const value = target[property];
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "eq") range.eq[args[0] as string] = args[1];
        else range.bounded = true;
        return recordingRange(value.apply(target, args), range);
      };
    },
  });
}

/** Wraps a query so the documents it returns are recorded as read. */
function recordingQuery(real: any, recording: Recording): any {
  return new Proxy(real, {
    get(target, property) {
      const value = target[property];
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (result instanceof Promise) {
          return result.then((resolved: unknown) => {
            const docs = Array.isArray(resolved) ? resolved : resolved && typeof resolved === "object" && "page" in resolved ? (resolved as { page: Doc[] }).page : [resolved];
            for (const doc of docs as (Doc | null)[]) if (doc && typeof doc._id === "string") recording.documentsRead.add(doc._id);
            return resolved;
          });
        }
        return recordingQuery(result, recording);
      };
    },
  });
}

export function recordingDb(db: AnyDb, recording: Recording): AnyDb {
  // `get(table, id)` and the older `get(id)` both exist; the id is always the last argument.
  const idOf = (args: unknown[]) => args[args.length - 1] as string;
  const tableOf = (args: unknown[], id: string) => (args.length > 1 && typeof args[0] === "string" && args[0] !== id ? (args[0] as string) : "?");
  const after = async (id: string) => ((await (db.get as (id: string) => Promise<Doc | null>)(id)) ?? null) as Record<string, unknown> | null;

  const wrapper = {
    get: async (...args: unknown[]) => {
      const doc = (await (db.get as (...a: unknown[]) => Promise<Doc | null>)(...args)) ?? null;
      recording.documentsRead.add(idOf(args));
      return doc;
    },
    query: (table: string) => {
      const initializer = db.query(table) as any;
      return new Proxy(initializer, {
        get(target, property) {
          const value = target[property];
          if (typeof value !== "function") return value;
          if (property === "withIndex") {
            return (index: string, build?: (q: any) => any) => {
              const range: ReadRange = { table, index, eq: {}, bounded: false };
              recording.ranges.push(range);
              return recordingQuery(target.withIndex(index, build ? (q: any) => build(recordingRange(q, range)) : undefined), recording);
            };
          }
          // Anything else reads the whole table in creation order.
          return (...args: unknown[]) => {
            recording.ranges.push({ table, index: "by_creation_time", eq: {}, bounded: false });
            return recordingQuery(value.apply(target, args), recording);
          };
        },
      });
    },
    insert: async (table: string, value: Record<string, unknown>) => {
      const id = (await db.insert(table, value as never)) as unknown as string;
      recording.writes.push({ kind: "insert", table, id, after: await after(id) });
      return id;
    },
    patch: async (...args: unknown[]) => {
      const [id, value] = args.length === 3 ? [args[1] as string, args[2]] : [args[0] as string, args[1]];
      await (db.patch as (...a: unknown[]) => Promise<void>)(...args);
      recording.writes.push({ kind: "patch", table: tableOf(args, id), id, after: await after(id) });
      void value;
    },
    replace: async (...args: unknown[]) => {
      const id = (args.length === 3 ? args[1] : args[0]) as string;
      await (db.replace as (...a: unknown[]) => Promise<void>)(...args);
      recording.writes.push({ kind: "replace", table: tableOf(args, id), id, after: await after(id) });
    },
    delete: async (...args: unknown[]) => {
      const id = idOf(args);
      const before = await after(id);
      await (db.delete as (...a: unknown[]) => Promise<void>)(...args);
      recording.writes.push({ kind: "delete", table: tableOf(args, id), id, after: before });
    },
  };
  return new Proxy(db, {
    get(target, property) {
      if (property in wrapper) return wrapper[property as keyof typeof wrapper];
      const value = (target as any)[property];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function inRange(write: Write, range: ReadRange): boolean {
  if (write.table !== range.table || write.after === null) return false;
  return Object.entries(range.eq).every(([field, value]) => JSON.stringify(write.after![field]) === JSON.stringify(value));
}

/**
 * Why `a` and `b` would conflict if they ran concurrently (each one's writes against the
 * other's reads, and both one's writes), or an empty list when they would not.
 */
export function conflicts(a: Recording, b: Recording): string[] {
  const reasons: string[] = [];
  const written = (r: Recording) => new Set(r.writes.map((w) => w.id));
  for (const id of written(a)) if (written(b).has(id)) reasons.push(`both write ${id}`);
  for (const [reader, writer, name] of [[a, b, "b"], [b, a, "a"]] as const) {
    for (const write of writer.writes) {
      if (reader.documentsRead.has(write.id)) reasons.push(`${name} writes ${write.table} ${write.id}, which the other read`);
      for (const range of reader.ranges) {
        if (inRange(write, range)) reasons.push(`${name}'s ${write.kind} of ${write.table} lands in a range the other read (${range.index} ${JSON.stringify(range.eq)})`);
      }
    }
  }
  return reasons;
}

/** A readable summary: the index ranges read (with the fields `eq` fixed) and the writes, by table. */
export function describeRecording(recording: Recording) {
  const reads = [...new Set(recording.ranges.map((r) => `${r.table}.${r.index}(${Object.keys(r.eq).join(", ")})`))];
  const writes = recording.writes.map((w) => `${w.kind} ${w.table}`);
  return { reads, writes };
}
