/**
 * `@convex-edge-relay/replicator/prisma`: the Prisma 7 adapter, for your own generated client
 * and driver adapter. It loads `@prisma/client` only when imported.
 */
export {
  createPrismaAdapter,
  type PrismaAdapter,
  type PrismaAdapterOptions,
  type PrismaClientLike,
  type PrismaModelMapping,
} from "./adapters/prisma.ts";
