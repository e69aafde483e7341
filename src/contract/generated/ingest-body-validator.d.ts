// Types of the generated validator beside this file (see scripts/codegen/ingest-body-validator.ts).
/**
 * True when `data` matches the ingest body's JSON Schema. Removes, in place, the keys of the
 * body, its events and their `source` that the schema does not name, as zod's parse would.
 */
declare function matchesIngestBodySchema(data: unknown): boolean;
export default matchesIngestBodySchema;
