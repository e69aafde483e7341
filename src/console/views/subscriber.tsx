/** @jsxImportSource hono/jsx */
import type { DeliveryAttempt } from "../../contract/attempts";
import type { DeadLetter, SubscriberStatus } from "../../contract/subscriber";
import { links, withQuery } from "../paths";
import { CsrfField, Layout } from "./layout";
import { ActionButton, Badge, DataTable, describeError, ErrorNote, LagBar, Notice, OneTimeSecret, Section, StateBadge, Time, type Tone } from "./parts";

export type SubscriberView = {
  workspaceId: string;
  status: SubscriberStatus;
  attempts: DeliveryAttempt[];
  attemptsNextBefore: string | null;
  deadLetters: DeadLetter[];
  rotatedSecret?: { secret: string; previousValidUntil: number };
  notice?: string;
  error?: string;
};

const OUTCOME_TONE: Record<DeliveryAttempt["outcome"], Tone> = { success: "ok", failure: "bad", timeout: "bad", network_error: "bad" };

function Actions({ ws, status }: { ws: string; status: SubscriberStatus }) {
  const base = links.subscriber(ws, status.id);
  return (
    <div class="action-bar">
      {status.state === "paused" ? <ActionButton action={`${base}/resume`} label="Resume" tone="primary" /> : <ActionButton action={`${base}/pause`} label="Pause" />}
      {status.state === "disabled" ? (
        <ActionButton action={`${base}/enable`} label="Enable" tone="primary" />
      ) : (
        <ActionButton action={`${base}/disable`} label="Disable" confirm={`Disable ${status.id}? Nothing is delivered to it until it is enabled again.`} />
      )}
      <form method="post" action={`${base}/replay`} class="inline replay" data-confirm={`Move the cursor of ${status.id}? Events after the version you give are delivered again.`}>
        <CsrfField />
        <label for="replay-after">Replay after version</label>
        <input id="replay-after" name="afterVersion" type="number" min={0} required value={String(status.cursor)} />
        <button type="submit" class="button plain">
          Replay
        </button>
      </form>
      <ActionButton action={`${base}/rotate-secret`} label="Rotate secret" confirm={`Rotate the signing secret of ${status.id}? The old one stays valid for 24 hours.`} />
      <ActionButton action={`${base}/delete`} label="Delete" tone="danger" confirm={`Delete the subscriber ${status.id}? Its cursor, attempts and dead letters are lost.`} />
    </div>
  );
}

function StatusFacts({ status }: { status: SubscriberStatus }) {
  return (
    <dl class="facts">
      <div>
        <dt>State</dt>
        <dd>
          <StateBadge status={status} />
        </dd>
      </div>
      <div>
        <dt>Lag</dt>
        <dd>
          <LagBar lag={status.lag} head={status.head} />
        </dd>
      </div>
      <div>
        <dt>Cursor / head</dt>
        <dd>{`${status.cursor} / ${status.head}`}</dd>
      </div>
      <div>
        <dt>Consecutive failures</dt>
        <dd>{status.consecutiveFailures > 0 ? <Badge tone="bad">{String(status.consecutiveFailures)}</Badge> : "0"}</dd>
      </div>
      <div>
        <dt>Last success</dt>
        <dd>
          <Time ms={status.lastSuccessAt} />
        </dd>
      </div>
      <div>
        <dt>In flight</dt>
        <dd>
          {status.inFlight ? (
            <>
              {`versions ${status.inFlight.fromVersion}–${status.inFlight.toVersion}, attempt ${status.inFlight.attempt}; next `}
              <Time ms={status.inFlight.nextAttemptAt} />
            </>
          ) : (
            "nothing"
          )}
        </dd>
      </div>
      <div class="wide">
        <dt>URL ({status.kind})</dt>
        <dd>
          <code>{status.url}</code>
        </dd>
      </div>
      <div class="wide">
        <dt>Last error</dt>
        <dd>{status.lastError ? describeError(status.lastError) : "none"}</dd>
      </div>
    </dl>
  );
}

function AttemptsTable({ attempts }: { attempts: DeliveryAttempt[] }) {
  return (
    <DataTable
      columns={[
        { label: "Started" },
        { label: "Trigger" },
        { label: "Versions" },
        { label: "Attempt", numeric: true },
        { label: "Outcome" },
        { label: "Status", numeric: true },
        { label: "Duration", numeric: true },
        { label: "Response" },
      ]}
      rows={attempts}
      empty={<p>No delivery attempts yet. They appear here as soon as an event that matches this subscriber's filter is ingested.</p>}
      renderRow={(a) => (
        <tr>
          <td>
            <Time ms={a.startedAt} />
          </td>
          <td>
            <Badge tone="info">{a.trigger}</Badge>
          </td>
          <td>{a.fromVersion === a.toVersion ? String(a.fromVersion) : `${a.fromVersion}–${a.toVersion}`}</td>
          <td class="num">{a.attempt}</td>
          <td>
            <Badge tone={OUTCOME_TONE[a.outcome]}>{a.outcome.replace("_", " ")}</Badge>
          </td>
          <td class="num">{a.status ?? "—"}</td>
          <td class="num">{`${a.durationMs} ms`}</td>
          <td class="wrap">
            {a.responseBody !== null || a.error ? (
              <details>
                <summary>Response</summary>
                {a.error ? <p class="small">{a.error}</p> : null}
                {a.responseBody !== null ? <pre class="body">{a.responseBody || "(empty body)"}</pre> : null}
              </details>
            ) : (
              <span class="muted">—</span>
            )}
          </td>
        </tr>
      )}
    />
  );
}

function DeadLettersTable({ ws, deadLetters }: { ws: string; deadLetters: DeadLetter[] }) {
  return (
    <DataTable
      columns={[{ label: "Dead letter" }, { label: "Versions" }, { label: "Attempts", numeric: true }, { label: "Last error" }, { label: "Created" }, { label: "Actions", hidden: true }]}
      rows={deadLetters}
      empty={
        <p>
          No dead letters. A batch lands here when its retries run out and the subscriber's <code>onExhausted</code> is <code>dead-letter</code>.
        </p>
      }
      renderRow={(d) => (
        <tr>
          <th scope="row">
            <code>{d.id}</code>
          </th>
          <td>{`${d.fromVersion}–${d.toVersion}`}</td>
          <td class="num">{d.attempts}</td>
          <td class="wrap">{d.lastError ? describeError(d.lastError) : "—"}</td>
          <td>
            <Time ms={d.createdAt} />
          </td>
          <td class="actions">
            <ActionButton action={`${links.workspace(ws)}/dead-letters/${encodeURIComponent(d.id)}/redeliver`} label="Redeliver" tone="primary" hidden={{ subscriberId: d.subscriberId }} />
          </td>
        </tr>
      )}
    />
  );
}

export function SubscriberPage(view: SubscriberView) {
  const ws = view.workspaceId;
  const s = view.status;
  return (
    <Layout
      title={s.id}
      signedIn={true}
      crumbs={[{ label: "Workspaces", href: links.workspaces() }, { label: ws, href: links.workspace(ws) }, { label: s.id }]}
    >
      <Notice message={view.notice} />
      <ErrorNote message={view.error} />
      {view.rotatedSecret ? <OneTimeSecret label="New signing secret." value={view.rotatedSecret.secret} /> : null}
      <Section title="Status" id="status">
        <StatusFacts status={s} />
        <Actions ws={ws} status={s} />
      </Section>
      <Section title="Delivery attempts" id="attempts">
        <AttemptsTable attempts={view.attempts} />
        {view.attemptsNextBefore ? (
          <p class="pager">
            <a class="button plain" href={withQuery(links.subscriber(ws, s.id), { before: view.attemptsNextBefore })}>
              Older attempts →
            </a>
          </p>
        ) : null}
      </Section>
      <Section title="Dead letters" id="dead-letters">
        <DeadLettersTable ws={ws} deadLetters={view.deadLetters} />
      </Section>
    </Layout>
  );
}
