/**
 * Routes of the fan-out baseline Worker (see worker.ts), shared with the harness.
 *
 *   PUT  /groups/{group}/receivers   body {"urls": [...]}: where the group's events go
 *   POST /groups/{group}/events      an ingest body: committed, then sent to every receiver
 *   POST /forward                    the Worker itself POSTs the body to every URL in the
 *                                    `x-forward-to` header (comma-separated), then answers
 */
export const BASELINE_PATH = "/baseline";
export const FORWARD_PATH = "/forward";
export const FORWARD_TO_HEADER = "x-forward-to";
