import type { WorkspaceCreated, WorkspaceInfo } from "../../src/contract/workspace.ts";

/**
 * The few admin calls benchmarks need to set up a relay (outside any timed section), through
 * the public HTTP API, exactly as a user would make them.
 */
export type RelayAdmin = {
  /** Creates a new workspace; fails if it already exists, because its secret is then unknown. */
  createWorkspace(workspaceId: string): Promise<WorkspaceCreated>;
  workspaceInfo(workspaceId: string): Promise<WorkspaceInfo>;
};

export function relayAdmin(baseUrl: URL, adminToken: string): RelayAdmin {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const workspacePath = (id: string) => `/v1/workspaces/${encodeURIComponent(id)}`;
  return {
    async createWorkspace(workspaceId) {
      const created = (await call("PUT", workspacePath(workspaceId), {})) as Partial<WorkspaceCreated>;
      if (!created.ingressSecret) throw new Error(`workspace ${workspaceId} already existed; its secret is not shown again`);
      return created as WorkspaceCreated;
    },
    async workspaceInfo(workspaceId) {
      return (await call("GET", workspacePath(workspaceId))) as WorkspaceInfo;
    },
  };
}
