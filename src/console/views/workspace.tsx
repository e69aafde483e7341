/** @jsxImportSource hono/jsx */
import type { AlertDestination } from "../../contract/alerts";
import type { ReadKeyCreated, ReadKeyInfo } from "../../contract/keys";
import type { WorkspaceStats } from "../../contract/stats";
import type { SubscriberStatus } from "../../contract/subscriber";
import type { WorkspaceInfo } from "../../contract/workspace";
import { links, withQuery } from "../paths";
import { ThroughputChart } from "./chart";
import { CsrfField, Layout } from "./layout";
import { ActionButton, Badge, DataTable, describeError, ErrorNote, LagBar, Notice, OneTimeSecret, Section, StateBadge, Time, WorkspaceTabs } from "./parts";

export type WorkspaceView = {
  info: WorkspaceInfo;
  stats: WorkspaceStats;
  subscribers: SubscriberStatus[];
  alerts: AlertDestination[];
  keys: ReadKeyInfo[];
  createdKey?: ReadKeyCreated;
  notice?: string;
  error?: string;
};

function SubscribersTable({ ws, subscribers }: { ws: string; subscribers: SubscriberStatus[] }) {
  return (
    <DataTable
      columns={[{ label: "Subscriber" }, { label: "State" }, { label: "Lag" }, { label: "Last error" }, { label: "Last success" }]}
      rows={subscribers}
      empty={
        <p>
          No subscribers yet: add one with <code>relay subscribers add</code> (see its <code>--help</code>), or with{" "}
          <code>{`PUT /v1/workspaces/${ws}/subscribers/{id}`}</code> and a body <code>{'{"kind":"webhook","url":"https://…"}'}</code>.
        </p>
      }
      renderRow={(s) => (
        <tr>
          <th scope="row">
            <a href={links.subscriber(ws, s.id)}>{s.id}</a>
            <div class="muted small">{s.kind}</div>
          </th>
          <td>
            <StateBadge status={s} />
            {s.consecutiveFailures > 0 ? (
              <div class="small">
                <Badge tone="bad">{`failing ×${s.consecutiveFailures}`}</Badge>
              </div>
            ) : null}
          </td>
          <td>
            <LagBar lag={s.lag} head={s.head} />
          </td>
          <td class="wrap">
            {s.lastError ? (
              <>
                {describeError(s.lastError)}
                <div class="muted small">
                  <Time ms={s.lastError.at} />
                </div>
              </>
            ) : (
              <span class="muted">none</span>
            )}
          </td>
          <td>
            <Time ms={s.lastSuccessAt} />
          </td>
        </tr>
      )}
    />
  );
}

function AlertsTable({ ws, alerts }: { ws: string; alerts: AlertDestination[] }) {
  return (
    <DataTable
      columns={[{ label: "Alert" }, { label: "URL" }, { label: "Types" }, { label: "Actions", hidden: true }]}
      rows={alerts}
      empty={
        <p>
          No alert destinations: to be told when a subscriber fails, add one with <code>relay alerts add</code> or{" "}
          <code>{`PUT /v1/workspaces/${ws}/alerts/{alertId}`}</code>.
        </p>
      }
      renderRow={(a) => (
        <tr>
          <th scope="row">{a.id}</th>
          <td class="wrap">
            <code>{a.url}</code>
          </td>
          <td>{a.types.join(", ")}</td>
          <td class="actions">
            <ActionButton action={`${links.workspace(ws)}/alerts/${encodeURIComponent(a.id)}/delete`} label={`Delete ${a.id}`} tone="danger" confirm={`Delete the alert destination ${a.id}?`} />
          </td>
        </tr>
      )}
    />
  );
}

function KeysSection({ ws, keys, createdKey }: { ws: string; keys: ReadKeyInfo[]; createdKey?: ReadKeyCreated }) {
  return (
    <>
      {createdKey ? <OneTimeSecret label={`Read key "${createdKey.name}" created.`} value={createdKey.key} /> : null}
      <DataTable
        columns={[{ label: "Key" }, { label: "Name" }, { label: "Scopes" }, { label: "Created" }, { label: "Actions", hidden: true }]}
        rows={keys}
        empty={<p>No read keys. Create one below for a replica or a read-only script; it can read events and the feed of this workspace only.</p>}
        renderRow={(k) => (
          <tr>
            <th scope="row">
              <code>{k.id}</code>
            </th>
            <td>{k.name}</td>
            <td>{k.scopes.join(", ")}</td>
            <td>
              <Time ms={k.createdAt} />
            </td>
            <td class="actions">
              <ActionButton action={`${links.workspace(ws)}/keys/${encodeURIComponent(k.id)}/revoke`} label={`Revoke ${k.name}`} tone="danger" confirm={`Revoke the read key "${k.name}"? Clients using it lose access at once.`} />
            </td>
          </tr>
        )}
      />
      <form method="post" action={`${links.workspace(ws)}/keys`} class="row-form">
        <CsrfField />
        <label for="key-name">New read key name</label>
        <input id="key-name" name="name" type="text" required maxlength={128} placeholder="replica-eu" />
        <button type="submit" class="button primary">
          Create read key
        </button>
      </form>
    </>
  );
}

export function WorkspacePage(view: WorkspaceView) {
  const ws = view.info.workspaceId;
  const windowLink = (w: "1h" | "24h") => withQuery(links.workspace(ws), { window: w });
  return (
    <Layout
      title={ws}
      signedIn={true}
      crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws }]}
      tabs={<WorkspaceTabs workspaceId={ws} current="overview" />}
    >
      <Notice message={view.notice} />
      <ErrorNote message={view.error} />
      <dl class="facts">
        <div>
          <dt>Head</dt>
          <dd>{view.info.head.toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>Events kept</dt>
          <dd>{view.info.eventCount.toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>Retention</dt>
          <dd>{view.info.retentionDays} days</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time ms={view.info.createdAt} />
          </dd>
        </div>
      </dl>
      <Section
        title="Throughput"
        id="throughput"
        actions={
          <nav aria-label="Chart window" class="segmented">
            <a href={windowLink("1h")} aria-current={view.stats.window === "1h" ? "true" : undefined}>
              Last hour
            </a>
            <a href={windowLink("24h")} aria-current={view.stats.window === "24h" ? "true" : undefined}>
              Last 24 hours
            </a>
          </nav>
        }
      >
        <ThroughputChart stats={view.stats} />
      </Section>
      <Section title="Subscribers" id="subscribers">
        <SubscribersTable ws={ws} subscribers={view.subscribers} />
      </Section>
      <Section title="Alerts" id="alerts">
        <AlertsTable ws={ws} alerts={view.alerts} />
      </Section>
      <Section title="Read keys" id="keys">
        <KeysSection ws={ws} keys={view.keys} createdKey={view.createdKey} />
      </Section>
    </Layout>
  );
}
