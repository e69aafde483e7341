/** @jsxImportSource hono/jsx */
import type { EventFilters, StoredEvent } from "../../contract/event";
import { links, withQuery } from "../paths";
import { Layout } from "./layout";
import { Empty, ErrorNote, Section, Time, WorkspaceTabs } from "./parts";

export type EventsView = {
  workspaceId: string;
  filters: EventFilters;
  events: StoredEvent[];
  nextBefore: number | null;
  error?: string;
};

const FILTER_FIELDS = [
  { name: "entityKind", label: "Entity kind", placeholder: "user" },
  { name: "entityId", label: "Entity id", placeholder: "u_42" },
  { name: "eventType", label: "Event type", placeholder: "update" },
  { name: "origin", label: "Origin", placeholder: "app-a" },
] as const;

/** The columns an event row shows, shared with the live tail's script through `data-columns`. */
export function EventRow({ ws, event }: { ws: string; event: StoredEvent }) {
  return (
    <tr>
      <th scope="row">
        <a href={links.event(ws, event.version)}>{event.version}</a>
      </th>
      <td>
        <Time ms={event.receivedAt} />
      </td>
      <td>{event.entityKind}</td>
      <td class="wrap">{event.entityId}</td>
      <td>{event.eventType}</td>
      <td>{event.source.origin}</td>
      <td class="wrap">
        <code>{event.id}</code>
      </td>
    </tr>
  );
}

export function EventTableHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Version</th>
        <th scope="col">Received</th>
        <th scope="col">Entity kind</th>
        <th scope="col">Entity id</th>
        <th scope="col">Type</th>
        <th scope="col">Origin</th>
        <th scope="col">Event id</th>
      </tr>
    </thead>
  );
}

export function EventsPage(view: EventsView) {
  const ws = view.workspaceId;
  const filtered = Object.values(view.filters).some((v) => v !== undefined && v !== "");
  return (
    <Layout title={ws} signedIn={true} crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws, href: links.workspace(ws) }, { label: "Events" }]} tabs={<WorkspaceTabs workspaceId={ws} current="events" />}>
      <Section title="Events, newest first" id="events">
        <form method="get" action={links.events(ws)} class="filters" role="search" aria-label="Filter events">
          {FILTER_FIELDS.map((f) => (
            <div class="field">
              <label for={`filter-${f.name}`}>{f.label}</label>
              <input id={`filter-${f.name}`} name={f.name} type="text" placeholder={f.placeholder} value={view.filters[f.name] ?? ""} />
            </div>
          ))}
          <div class="field buttons">
            <button type="submit" class="button primary">
              Filter
            </button>
            {filtered ? (
              <a class="button plain" href={links.events(ws)}>
                Clear
              </a>
            ) : null}
          </div>
        </form>
        <ErrorNote message={view.error} />
        {view.events.length === 0 && !view.error ? (
          <Empty>
            {filtered ? (
              <p>No event matches these filters. Filters are exact matches: check the spelling, or clear them.</p>
            ) : (
              <p>
                No events yet. Send some with <code>relay send --file events.json</code> or from the Convex component, then watch them arrive in the{" "}
                <a href={links.live(ws)}>live tail</a>.
              </p>
            )}
          </Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <EventTableHead />
              <tbody>
                {view.events.map((event) => (
                  <EventRow ws={ws} event={event} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {view.nextBefore !== null ? (
          <p class="pager">
            <a class="button plain" href={withQuery(links.events(ws), { ...view.filters, before: view.nextBefore })}>
              Older events →
            </a>
          </p>
        ) : null}
      </Section>
    </Layout>
  );
}

export function EventPage({ workspaceId: ws, event }: { workspaceId: string; event: StoredEvent }) {
  return (
    <Layout
      title={`Event ${event.version}`}
      signedIn={true}
      crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws, href: links.workspace(ws) }, { label: "Events", href: links.events(ws) }, { label: `Event ${event.version}` }]}
    >
      <dl class="facts">
        <div>
          <dt>Entity</dt>
          <dd>{`${event.entityKind} / ${event.entityId}`}</dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{event.eventType}</dd>
        </div>
        <div>
          <dt>Origin</dt>
          <dd>{event.source.origin}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            <Time ms={event.receivedAt} />
          </dd>
        </div>
      </dl>
      <Section title="Stored event" id="json">
        <pre class="json" tabindex={0} aria-label="The stored event as JSON">
          {JSON.stringify(event, null, 2)}
        </pre>
      </Section>
    </Layout>
  );
}
