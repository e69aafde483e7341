import { generatePrismaClients } from "./prisma-clients.ts";

/** Vitest global setup: the Prisma clients the adapter suite uses, generated before any test. */
export default async function setup(): Promise<void> {
  await generatePrismaClients();
}
