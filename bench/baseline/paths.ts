/** The path before `/v1/workspaces/…` that routes to the baseline log with the search indexes. */
export const INDEXED_PREFIX = "/indexed";
