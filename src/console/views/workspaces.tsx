/** @jsxImportSource hono/jsx */
import type { DirectoryEntry } from "../../contract/directory";
import type { SubscriberStatus } from "../../contract/subscriber";
import { links, withQuery } from "../paths";
import { Layout } from "./layout";
import { Badge, Empty, ErrorNote, Time } from "./parts";

export type WorkspaceRow = DirectoryEntry & { attention: Pick<SubscriberStatus, "id" | "state">[] | { error: string } };

function Health({ row }: { row: WorkspaceRow }) {
  if ("error" in row.attention) return <span class="muted">unknown: {row.attention.error}</span>;
  if (row.attention.length === 0) return <Badge tone="ok">all healthy</Badge>;
  const states = [...new Set(row.attention.map((s) => s.state))].join(", ");
  return (
    <Badge tone="bad">
      {`${row.attention.length} need attention (${states})`}
    </Badge>
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
            Create one with <code>relay workspaces create my-app</code>, or{" "}
            <code>curl -X PUT -H "authorization: Bearer $RELAY_ADMIN_TOKEN" -d '{"{}"}' $RELAY_URL/v1/workspaces/my-app</code>.
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
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
