/** @jsxImportSource hono/jsx */
import type { DirectoryEntry } from "../../contract/directory";
import { links, withQuery } from "../paths";
import { Layout } from "./layout";
import { Badge, Empty, ErrorNote, Time } from "./parts";

/** A directory entry with the subscribers that need attention, and why each does. */
export type WorkspaceRow = DirectoryEntry & { attention: { id: string; reason: string }[] | { error: string } };

function Health({ row }: { row: WorkspaceRow }) {
  if ("error" in row.attention) return <span class="muted">unknown: {row.attention.error}</span>;
  if (row.subscriberCount === 0) return <span class="muted">no subscribers</span>;
  if (row.attention.length === 0) return <Badge tone="ok">all healthy</Badge>;
  return (
    <ul class="attention">
      {row.attention.map((s) => (
        <li>
          <Badge tone={s.reason === "paused" || s.reason === "retrying" ? "warn" : "bad"}>{s.reason}</Badge>{" "}
          <a href={links.subscriber(row.workspaceId, s.id)}>{s.id}</a>
        </li>
      ))}
    </ul>
  );
}

export function WorkspacesPage(props: { rows: WorkspaceRow[]; nextCursor: string | null; error?: string }) {
  return (
    <Layout title="Workspaces" signedIn={true}>
      <ErrorNote message={props.error} />
      {props.rows.length === 0 && !props.error ? (
        <Empty>
          <p>No workspaces yet.</p>
          <p>
            Create one with <code>relay workspaces create</code>, or{" "}
            <code>curl -X PUT -H "authorization: Bearer $RELAY_ADMIN_TOKEN" -d '{"{}"}' $RELAY_URL/v1/workspaces/my-app</code>.
          </p>
        </Empty>
      ) : (
        <div class="card table-wrap">
          <table>
            <caption class="visually-hidden">Workspaces, sorted by id</caption>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col" class="num">Head</th>
                <th scope="col" class="num">Subscribers</th>
                <th scope="col">Delivery</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <th scope="row">
                    <a href={links.workspace(row.workspaceId)}>{row.workspaceId}</a>
                  </th>
                  <td class="num">{row.head.toLocaleString("en-US")}</td>
                  <td class="num">{row.subscriberCount}</td>
                  <td>
                    <Health row={row} />
                  </td>
                  <td>
                    <Time ms={row.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.nextCursor ? (
        <p class="pager">
          <a class="button plain" href={withQuery(links.workspaces(), { cursor: props.nextCursor })}>
            Next workspaces →
          </a>
        </p>
      ) : null}
    </Layout>
  );
}
