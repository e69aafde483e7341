import type { DeliveryAttemptPage } from "../../src/contract/attempts.ts";
import type { ReadKeyCreated } from "../../src/contract/keys.ts";
import type { PutSubscriberBody, SubscriberStatus } from "../../src/contract/subscriber.ts";
import type { WorkspaceCreated, WorkspaceInfo } from "../../src/contract/workspace.ts";

/**
 * The few admin calls benchmarks need to set up a relay (outside any timed section), through
 * the public HTTP API, exactly as a user would make them.
 */
export type RelayAdmin = {
  /** Creates a new workspace; fails if it already exists, because its secret is then unknown. */
  createWorkspace(workspaceId: string): Promise<WorkspaceCreated>;
  workspaceInfo(workspaceId: string): Promise<WorkspaceInfo>;
  /** Deletes a workspace and everything it stored. */
  deleteWorkspace(workspaceId: string): Promise<void>;
  /** Creates a new subscriber; fails if it already exists, because its secret is then unknown. */
  createSubscriber(
    workspaceId: string,
    subscriberId: string,
    body: PutSubscriberBody,
  ): Promise<SubscriberStatus & { secret: string }>;
  subscriberStatus(workspaceId: string, subscriberId: string): Promise<SubscriberStatus>;
  pauseSubscriber(workspaceId: string, subscriberId: string): Promise<SubscriberStatus>;
  resumeSubscriber(workspaceId: string, subscriberId: string): Promise<SubscriberStatus>;
  createReadKey(workspaceId: string, name: string): Promise<ReadKeyCreated>;
  /** The subscriber's newest `limit` delivery attempts. */
  attempts(workspaceId: string, subscriberId: string, limit: number): Promise<DeliveryAttemptPage>;
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
  const subscriberPath = (ws: string, id: string) => `${workspacePath(ws)}/subscribers/${encodeURIComponent(id)}`;
  return {
    async createWorkspace(workspaceId) {
      const created = (await call("PUT", workspacePath(workspaceId), {})) as Partial<WorkspaceCreated>;
      if (!created.ingressSecret) throw new Error(`workspace ${workspaceId} already existed; its secret is not shown again`);
      return created as WorkspaceCreated;
    },
    async workspaceInfo(workspaceId) {
      return (await call("GET", workspacePath(workspaceId))) as WorkspaceInfo;
    },
    async deleteWorkspace(workspaceId) {
      await call("DELETE", workspacePath(workspaceId));
    },
    async createSubscriber(workspaceId, subscriberId, body) {
      const created = (await call("PUT", subscriberPath(workspaceId, subscriberId), body)) as SubscriberStatus & {
        secret?: string;
      };
      if (!created.secret) throw new Error(`subscriber ${subscriberId} already existed; its secret is not shown again`);
      return { ...created, secret: created.secret };
    },
    async subscriberStatus(workspaceId, subscriberId) {
      return (await call("GET", subscriberPath(workspaceId, subscriberId))) as SubscriberStatus;
    },
    async pauseSubscriber(workspaceId, subscriberId) {
      return (await call("POST", `${subscriberPath(workspaceId, subscriberId)}/pause`)) as SubscriberStatus;
    },
    async resumeSubscriber(workspaceId, subscriberId) {
      return (await call("POST", `${subscriberPath(workspaceId, subscriberId)}/resume`)) as SubscriberStatus;
    },
    async createReadKey(workspaceId, name) {
      return (await call("POST", `${workspacePath(workspaceId)}/keys`, { name, scopes: ["read"] })) as ReadKeyCreated;
    },
    async attempts(workspaceId, subscriberId, limit) {
      return (await call("GET", `${subscriberPath(workspaceId, subscriberId)}/attempts?limit=${limit}`)) as DeliveryAttemptPage;
    },
  };
}
