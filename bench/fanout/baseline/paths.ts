/**
 * Routes of the fan-out baseline Worker (see worker.ts), shared with the harness.
 *
 *   PUT  /groups/{group}/receivers      body {"urls": [...], "ingressSecret"?: "whsec_…",
 *                                       "secrets"?: ["whsec_…", …]}: where the group's events
 *                                       go, and the secrets the duties path checks and signs with
 *   POST /groups/{group}/events         an ingest body: committed, then sent to every receiver,
 *                                       one Worker invocation per receiver (issue 9's baseline)
 *   POST /groups/{group}/signed-events  the same, with the contract's duties (worker.ts)
 *   POST /groups/{group}/events?grouped, /groups/{group}/signed-events?grouped
 *                                       the same two, with six receivers to an invocation, as the
 *                                       relay sends
 *   POST /forward                       the Worker itself POSTs the body to every URL in the
 *                                       `x-forward-to` header (comma-separated), then answers
 */
export const BASELINE_PATH = "/baseline";
/** Where the duties path delivers on every receiver. */
export const DUTIES_PATH = "/baseline-duties";
/** Where the grouped paths deliver. */
export const GROUPED_PATH = "/baseline-grouped";
export const GROUPED_DUTIES_PATH = "/baseline-grouped-duties";
/** The query parameter that selects a grouped path. */
export const GROUPED_PARAM = "grouped";
export const FORWARD_PATH = "/forward";
export const FORWARD_TO_HEADER = "x-forward-to";
