/** @jsxImportSource hono/jsx */
import { links } from "../paths";
import { Layout } from "./layout";
import { Section, WorkspaceTabs } from "./parts";
import { EventTableHead } from "./events";

/**
 * The live tail: the page carries no data and no credential, only the console's own feed path;
 * the client script opens it as a WebSocket, and the session cookie authorises it.
 */
export function LivePage({ workspaceId: ws, head }: { workspaceId: string; head: number }) {
  return (
    <Layout title={ws} signedIn={true} crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws, href: links.workspace(ws) }, { label: "Live tail" }]} tabs={<WorkspaceTabs workspaceId={ws} current="live" />}>
      <Section title="Live tail" id="live">
        <p id="live-status" class="live-status" role="status" aria-live="polite">
          Connecting…
        </p>
        <div class="table-wrap">
          <table id="live-tail" data-feed={links.feed(ws)} data-after={String(head)} data-event-base={`${links.events(ws)}/`}>
            <caption class="visually-hidden">Events as they are ingested, newest first</caption>
            <EventTableHead />
            <tbody aria-live="polite">
              <tr class="placeholder">
                <td colspan={7}>Waiting for new events after version {head}. Send one and it appears here without a reload.</td>
              </tr>
            </tbody>
          </table>
        </div>
      </Section>
    </Layout>
  );
}
