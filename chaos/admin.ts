/** The few admin calls the chaos run makes (contract §1, §3, §4, §9), with the admin token. */
export type LoggedEvent = { version: number; id: string; entityKind: string; [field: string]: unknown };
export type SubscriberStatus = {
  id: string;
  state: string;
  cursor: number;
  head: number;
  lag: number;
  inFlight: unknown;
  deadLetterCount: number;
  consecutiveFailures: number;
};

export function relayAdmin(baseUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const expect = async (method: string, path: string, status: number, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    /** Creates the workspace; answers its ingress secret. */
    async createWorkspace(workspaceId: string): Promise<string> {
      return (await expect("PUT", `/v1/workspaces/${workspaceId}`, 201, {})).ingressSecret;
    },
    /** Creates a subscriber; answers its signing secret. */
    async createSubscriber(workspaceId: string, subscriberId: string, body: Record<string, unknown>): Promise<string> {
      return (await expect("PUT", `/v1/workspaces/${workspaceId}/subscribers/${subscriberId}`, 201, body)).secret;
    },
    /** Creates an alert destination for every alert type; answers its signing secret. */
    async createAlertDestination(workspaceId: string, alertId: string, url: string): Promise<string> {
      return (await expect("PUT", `/v1/workspaces/${workspaceId}/alerts/${alertId}`, 201, { url })).secret;
    },
    async subscribers(workspaceId: string): Promise<SubscriberStatus[]> {
      return (await expect("GET", `/v1/workspaces/${workspaceId}/subscribers`, 200)).subscribers;
    },
    async deadLetters(workspaceId: string): Promise<unknown[]> {
      return (await expect("GET", `/v1/workspaces/${workspaceId}/dead-letters?limit=100`, 200)).deadLetters;
    },
    /** The whole log, in version order, read back page by page. */
    async readLog(workspaceId: string): Promise<LoggedEvent[]> {
      const events: LoggedEvent[] = [];
      let after = 0;
      for (;;) {
        const page = await expect("GET", `/v1/workspaces/${workspaceId}/events?after=${after}&limit=1000`, 200);
        events.push(...page.events);
        if (!page.hasMore) return events;
        after = page.nextAfter;
      }
    },
  };
}
export type RelayAdmin = ReturnType<typeof relayAdmin>;
