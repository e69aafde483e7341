/**
 * The cumulative steps of the ingest breakdown, cheapest first; each adds one part of the
 * relay's work to the step before it. Shared by the steps Worker and the harness.
 */
export const INGEST_STEPS = ["append", "verify", "validate", "dedupe", "counters"] as const;
export type IngestStep = (typeof INGEST_STEPS)[number];
