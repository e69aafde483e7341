/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DeliveryAttemptPage } from "../contract/attempts";
import type { AlertDestinationList } from "../contract/alerts";
import type { DirectoryPage } from "../contract/directory";
import { EventFilters, EventVersionParam, type ReadResponseDesc, type StoredEvent } from "../contract/event";
import type { ReadKeyCreated, ReadKeyList } from "../contract/keys";
import { StatsWindow, type WorkspaceStats } from "../contract/stats";
import type { DeadLetter, SubscriberStatus } from "../contract/subscriber";
import type { WorkspaceInfo } from "../contract/workspace";
import { isAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { redactSecrets } from "../http/errors";
import { ASSETS } from "./assets";
import { CONSOLE_BASE, links, withQuery } from "./paths";
import { ConsoleApiError, relayApi, seg, type ApiFetch, type RelayApi } from "./relay-api";
import { renderPage } from "./render";
import { CSRF_FIELD, CSRF_HEADER, currentSession, csrfTokenFor, endSession, isSameOriginRequest, isValidCsrfToken, startSession } from "./session";
import { EventPage, EventsPage } from "./views/events";
import { Layout } from "./views/layout";
import { LivePage } from "./views/live";
import { LoginPage } from "./views/login";
import { attentionReason, ErrorNote } from "./views/parts";
import { SubscriberPage, type SubscriberView } from "./views/subscriber";
import { WorkspacePage, type WorkspaceView } from "./views/workspace";
import { WorkspacesPage, type WorkspaceRow } from "./views/workspaces";

type ConsoleEnv = AppEnv & { Variables: { csrf: string; api: RelayApi } };
type ConsoleContext = Context<ConsoleEnv>;

const PAGE_SIZE = 50;

/**
 * Browsers are told to load nothing from elsewhere, to frame the console nowhere, and to post
 * forms only to it. Inline styles are allowed for the few computed widths (lag bars, swatches).
 */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own forms.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** A `next` target after login: only a console path, never another site. */
function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/console(\/[^/\\][^\\]*)?$/.test(value) && !value.includes("//") ? value : CONSOLE_BASE;
}

function formString(form: Record<string, unknown>, name: string): string | undefined {
  const value = form[name];
  return typeof value === "string" ? value : undefined;
}

function wantsJson(c: Context): boolean {
  const accept = c.req.header("accept") ?? "";
  return c.req.header("upgrade")?.toLowerCase() === "websocket" || (accept.includes("application/json") && !accept.includes("text/html"));
}

function consoleOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}

function errorMessage(err: unknown): string {
  return err instanceof ConsoleApiError ? err.message : "the relay could not answer; try again";
}

/** The full console path of this request (the app is mounted under `/console`). */
function consolePath(c: Context): string {
  const url = new URL(c.req.url);
  return `${CONSOLE_BASE}${url.pathname === "/" ? "" : url.pathname}${url.search}`;
}

/** The operator console. `apiFetch` is the relay's own API, called in process as the admin. */
export function consoleApp(apiFetch: ApiFetch) {
  const console_ = new Hono<ConsoleEnv>();

  console_.use("*", async (c, next) => {
    await next();
    // A WebSocket handshake (101) carries the socket, and its headers are not ours to change.
    if (c.res.status === 101) return;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  });

  console_.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) return c.text("not found", 404);
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300" });
  });

  console_.get("/login", (c) => renderPage(c, <LoginPage />));

  console_.post("/login", async (c) => {
    // A login form posted from another site would sign the victim in as the attacker's relay: refuse it.
    if (!isSameOriginRequest(c, consoleOrigin(c))) return renderPage(c, <LoginPage error="This form came from another site." />, { status: 403 });
    const form = await c.req.parseBody();
    const token = formString(form, "token")?.trim();
    if (!(await isAdmin(token, c.env.RELAY_ADMIN_TOKEN))) {
      return renderPage(c, <LoginPage error="That is not the admin token of this relay." next={safeNext(form.next)} />, { status: 401 });
    }
    await startSession(c, c.env.RELAY_ADMIN_TOKEN);
    return c.redirect(safeNext(form.next), 303);
  });

  // Everything below needs a session. Without one, a page someone opens (GET) is the login form,
  // answered 200: it is the page the console serves to a visitor who has not signed in (contract
  // §8: `GET /console` serves the console), and a 401 would need a WWW-Authenticate challenge
  // that a form cannot give. Form posts, JSON and sockets get 401.
  console_.use("*", async (c, next) => {
    const session = await currentSession(c);
    if (!session) {
      if (wantsJson(c)) return c.json({ error: { code: "unauthorized", message: "sign in to the console first" } }, 401);
      const next_ = c.req.method === "GET" ? consolePath(c) : undefined;
      const opened = c.req.method === "GET" || c.req.method === "HEAD";
      return renderPage(c, <LoginPage next={next_} />, { status: opened ? 200 : 401 });
    }
    c.set("csrf", await csrfTokenFor(c.env.RELAY_ADMIN_TOKEN, session));
    c.set("api", relayApi(c, apiFetch));
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const form = (c.req.header("content-type") ?? "").includes("form") ? await c.req.parseBody() : {};
      const token = formString(form, CSRF_FIELD) ?? c.req.header(CSRF_HEADER);
      if (!isSameOriginRequest(c, consoleOrigin(c)) || !(await isValidCsrfToken(token, c.env.RELAY_ADMIN_TOKEN, session))) {
        return c.text("Refused: this request did not come from a console page (CSRF check failed).", 403);
      }
    }
    await next();
  });

  console_.post("/logout", (c) => {
    endSession(c);
    return c.redirect(`${CONSOLE_BASE}/login`, 303);
  });

  const page = (c: ConsoleContext, element: Parameters<typeof renderPage>[1], status?: ContentfulStatusCode) =>
    renderPage(c, element, { csrf: c.get("csrf"), status });

  // --- Workspaces -----------------------------------------------------------------------
  console_.get("/", async (c) => {
    const api = c.get("api");
    try {
      const dir = await api.get<DirectoryPage>(withQuery("/v1/workspaces", { limit: PAGE_SIZE, cursor: c.req.query("cursor") }));
      const rows: WorkspaceRow[] = await Promise.all(
        dir.workspaces.map(async (entry) => {
          try {
            const { subscribers } = await api.get<{ subscribers: SubscriberStatus[] }>(`/v1/workspaces/${seg(entry.workspaceId)}/subscribers`);
            const attention = subscribers.flatMap((s) => {
              const reason = attentionReason(s);
              return reason ? [{ id: s.id, reason }] : [];
            });
            return { ...entry, attention };
          } catch (err) {
            return { ...entry, attention: { error: errorMessage(err) } };
          }
        }),
      );
      return page(c, <WorkspacesPage rows={rows} nextCursor={dir.nextCursor} />);
    } catch (err) {
      return page(c, <WorkspacesPage rows={[]} nextCursor={null} error={errorMessage(err)} />, 502);
    }
  });

  // --- Workspace ------------------------------------------------------------------------
  async function workspaceView(c: ConsoleContext, extra: Partial<WorkspaceView> = {}): Promise<Response> {
    const ws = c.req.param("ws")!;
    const api = c.get("api");
    const base = `/v1/workspaces/${seg(ws)}`;
    const window = StatsWindow.safeParse(c.req.query("window")).data ?? "1h";
    try {
      const [info, stats, subscribers, alerts, keys] = await Promise.all([
        api.get<WorkspaceInfo>(base),
        api.get<WorkspaceStats>(`${base}/stats?window=${window}`),
        api.get<{ subscribers: SubscriberStatus[] }>(`${base}/subscribers`),
        api.get<AlertDestinationList>(`${base}/alerts`),
        api.get<ReadKeyList>(`${base}/keys`),
      ]);
      return page(c, <WorkspacePage info={info} stats={stats} subscribers={subscribers.subscribers} alerts={alerts.alerts} keys={keys.keys} {...extra} />);
    } catch (err) {
      return failurePage(c, ws, err);
    }
  }

  console_.get("/w/:ws", (c) => workspaceView(c, { notice: noticeFor(c.req.query("done")) }));

  console_.post("/w/:ws/keys", async (c) => {
    const ws = c.req.param("ws");
    const form = await c.req.parseBody();
    try {
      const created = await c.get("api").post<ReadKeyCreated>(`/v1/workspaces/${seg(ws)}/keys`, { name: formString(form, "name") ?? "", scopes: ["read"] });
      // Rendered in the answer to the POST, never put in a redirect URL: the key is shown this once.
      return workspaceView(c, { createdKey: created });
    } catch (err) {
      return workspaceView(c, { error: errorMessage(err) });
    }
  });

  const workspaceAction = (path: string, call: (api: RelayApi, c: ConsoleContext) => Promise<unknown>, done: string) =>
    console_.post(path, async (c) => {
      try {
        await call(c.get("api"), c);
        return c.redirect(withQuery(links.workspace(c.req.param("ws")!), { done }), 303);
      } catch (err) {
        return workspaceView(c, { error: errorMessage(err) });
      }
    });
  workspaceAction("/w/:ws/keys/:keyId/revoke", (api, c) => api.delete(`/v1/workspaces/${seg(c.req.param("ws")!)}/keys/${seg(c.req.param("keyId")!)}`), "key-revoked");
  workspaceAction("/w/:ws/alerts/:alertId/delete", (api, c) => api.delete(`/v1/workspaces/${seg(c.req.param("ws")!)}/alerts/${seg(c.req.param("alertId")!)}`), "alert-deleted");

  // --- Subscriber -----------------------------------------------------------------------
  async function subscriberView(c: ConsoleContext, extra: Partial<SubscriberView> = {}): Promise<Response> {
    const ws = c.req.param("ws")!;
    const id = c.req.param("id")!;
    const api = c.get("api");
    const base = `/v1/workspaces/${seg(ws)}`;
    try {
      const [status, attempts, deadLetters] = await Promise.all([
        api.get<SubscriberStatus>(`${base}/subscribers/${seg(id)}`),
        api.get<DeliveryAttemptPage>(withQuery(`${base}/subscribers/${seg(id)}/attempts`, { limit: PAGE_SIZE, before: c.req.query("before") })),
        api.get<{ deadLetters: DeadLetter[] }>(withQuery(`${base}/dead-letters`, { subscriberId: id, limit: PAGE_SIZE })),
      ]);
      return page(
        c,
        <SubscriberPage workspaceId={ws} status={status} attempts={attempts.attempts} attemptsNextBefore={attempts.nextBefore} deadLetters={deadLetters.deadLetters} {...extra} />,
      );
    } catch (err) {
      return failurePage(c, ws, err);
    }
  }

  console_.get("/w/:ws/s/:id", (c) => subscriberView(c, { notice: noticeFor(c.req.query("done")) }));

  const subscriberPath = (c: ConsoleContext, suffix = "") => `/v1/workspaces/${seg(c.req.param("ws")!)}/subscribers/${seg(c.req.param("id")!)}${suffix}`;
  const subscriberAction = (name: string, call: (api: RelayApi, c: ConsoleContext) => Promise<unknown>, done: string) =>
    console_.post(`/w/:ws/s/:id/${name}`, async (c) => {
      try {
        await call(c.get("api"), c);
        return c.redirect(withQuery(links.subscriber(c.req.param("ws")!, c.req.param("id")!), { done }), 303);
      } catch (err) {
        return subscriberView(c, { error: errorMessage(err) });
      }
    });
  subscriberAction("pause", (api, c) => api.post(subscriberPath(c, "/pause")), "paused");
  subscriberAction("resume", (api, c) => api.post(subscriberPath(c, "/resume")), "resumed");
  subscriberAction("enable", (api, c) => api.post(subscriberPath(c, "/enable")), "enabled");
  subscriberAction("disable", (api, c) => api.post(subscriberPath(c, "/disable")), "disabled");
  subscriberAction(
    "replay",
    async (api, c) => {
      const form = await c.req.parseBody();
      const afterVersion = Number(formString(form, "afterVersion"));
      // The API states the rule (a whole number ≥ 0) in its own words; pass what was typed.
      return api.post(subscriberPath(c, "/replay"), { afterVersion: Number.isFinite(afterVersion) ? afterVersion : -1 });
    },
    "replayed",
  );

  console_.post("/w/:ws/s/:id/rotate-secret", async (c) => {
    try {
      const rotated = await c.get("api").post<{ secret: string; previousValidUntil: number }>(subscriberPath(c, "/secret/rotate"));
      return subscriberView(c, { rotatedSecret: rotated, notice: "Secret rotated. The previous one stays valid until its grace period ends." });
    } catch (err) {
      return subscriberView(c, { error: errorMessage(err) });
    }
  });

  console_.post("/w/:ws/s/:id/delete", async (c) => {
    try {
      await c.get("api").delete(subscriberPath(c));
      return c.redirect(withQuery(links.workspace(c.req.param("ws")), { done: "subscriber-deleted" }), 303);
    } catch (err) {
      return subscriberView(c, { error: errorMessage(err) });
    }
  });

  console_.post("/w/:ws/dead-letters/:dl/redeliver", async (c) => {
    const ws = c.req.param("ws");
    const form = await c.req.parseBody();
    const subscriberId = formString(form, "subscriberId");
    const back = (done: string) => (subscriberId ? withQuery(links.subscriber(ws, subscriberId), { done }) : withQuery(links.workspace(ws), { done }));
    try {
      await c.get("api").post(`/v1/workspaces/${seg(ws)}/dead-letters/${seg(c.req.param("dl"))}/redeliver`);
      return c.redirect(back("redelivered"), 303);
    } catch (err) {
      return failurePage(c, ws, err);
    }
  });

  // --- Events ---------------------------------------------------------------------------
  console_.get("/w/:ws/events", async (c) => {
    const ws = c.req.param("ws");
    const parsed = EventFilters.safeParse(Object.fromEntries(Object.entries(c.req.query()).filter(([k, v]) => k in EventFilters.shape && v !== "")));
    const filters = parsed.success ? parsed.data : {};
    const before = c.req.query("before");
    try {
      if (!parsed.success) throw new ConsoleApiError(400, "invalid_request", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      const res = await c.get("api").get<ReadResponseDesc>(withQuery(`/v1/workspaces/${seg(ws)}/events`, { order: "desc", limit: PAGE_SIZE, before, ...filters }));
      return page(c, <EventsPage workspaceId={ws} filters={filters} events={res.events} nextBefore={res.hasMore ? res.nextBefore : null} />);
    } catch (err) {
      if (err instanceof ConsoleApiError && err.code === "workspace_not_found") return failurePage(c, ws, err);
      return page(c, <EventsPage workspaceId={ws} filters={filters} events={[]} nextBefore={null} error={errorMessage(err)} />, 400);
    }
  });

  console_.get("/w/:ws/events/:version", async (c) => {
    const ws = c.req.param("ws");
    const version = EventVersionParam.safeParse(c.req.param("version"));
    try {
      if (!version.success) throw new ConsoleApiError(400, "invalid_request", "an event version is a whole number from 1");
      const event = await c.get("api").get<StoredEvent>(`/v1/workspaces/${seg(ws)}/events/${version.data}`);
      return page(c, <EventPage workspaceId={ws} event={event} />);
    } catch (err) {
      return failurePage(c, ws, err);
    }
  });

  // --- Live tail ------------------------------------------------------------------------
  console_.get("/w/:ws/live", async (c) => {
    const ws = c.req.param("ws");
    try {
      const info = await c.get("api").get<WorkspaceInfo>(`/v1/workspaces/${seg(ws)}`);
      return page(c, <LivePage workspaceId={ws} head={info.head} />);
    } catch (err) {
      return failurePage(c, ws, err);
    }
  });

  /**
   * The feed behind the session: the browser's socket carries the session cookie and nothing
   * else; the console forwards the upgrade to the API with the admin token, in process. A socket
   * opened by another site's page is refused by its Origin.
   */
  console_.get("/w/:ws/feed", async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ error: { code: "invalid_request", message: "the feed is a WebSocket" } }, 400);
    if (c.req.header("origin") !== consoleOrigin(c)) return c.json({ error: { code: "forbidden", message: "the console feed opens only from console pages" } }, 403);
    const after = /^\d{1,15}$/.test(c.req.query("after") ?? "") ? c.req.query("after") : undefined;
    return c.get("api").upgrade(withQuery(`/v1/workspaces/${seg(c.req.param("ws"))}/feed`, { after }));
  });

  console_.notFound((c) => renderPage(c, <NotFound />, { csrf: c.get("csrf"), status: 404 }));
  console_.onError((err, c) => {
    console.error("console error", redactSecrets(err.stack ?? err.message));
    return renderPage(c, <NotFound message="Something went wrong on the relay's side; try again." />, { status: 500 });
  });

  return console_;
}

const NOTICES: Record<string, string> = {
  paused: "Paused. Nothing is delivered until you resume.",
  resumed: "Resumed. Delivery continues from the cursor.",
  enabled: "Enabled. Delivery continues from the cursor.",
  disabled: "Disabled. Nothing is delivered until you enable it.",
  replayed: "Cursor moved. Events after it are being delivered again.",
  redelivered: "Redelivery queued. The dead letter's events are being delivered again.",
  "key-revoked": "Read key revoked.",
  "alert-deleted": "Alert destination deleted.",
  "subscriber-deleted": "Subscriber deleted.",
};

function noticeFor(code: string | undefined): string | undefined {
  return code ? NOTICES[code] : undefined;
}

function NotFound({ message = "There is no console page here." }: { message?: string }) {
  return (
    <Layout title="Not found" signedIn={true} crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: "Not found" }]}>
      <p>{message}</p>
      <p>
        <a href={links.workspaces()}>Back to the workspaces</a>
      </p>
    </Layout>
  );
}

/** A view whose data the API refused: the API's words, and a way back. */
function failurePage(c: ConsoleContext, ws: string, err: unknown): Promise<Response> {
  const status = (err instanceof ConsoleApiError && err.status >= 400 && err.status < 600 ? err.status : 502) as ContentfulStatusCode;
  return renderPage(
    c,
    <Layout title={ws} signedIn={true} crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws }]}>
      <ErrorNote message={errorMessage(err)} />
      <p>
        <a href={links.workspaces()}>Back to the workspaces</a>
      </p>
    </Layout>,
    { csrf: c.get("csrf"), status },
  );
}
