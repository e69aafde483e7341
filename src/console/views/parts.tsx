/** @jsxImportSource hono/jsx */
import type { Child, PropsWithChildren } from "hono/jsx";
import type { SubscriberStatus } from "../../contract/subscriber";
import { links } from "../paths";
import { CsrfField } from "./layout";

/** Small building blocks shared by the views. */

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function Time({ ms }: { ms: number | null | undefined }) {
  if (ms === null || ms === undefined) return <span class="muted">never</span>;
  return <time datetime={new Date(ms).toISOString()}>{formatTime(ms)}</time>;
}

export type Tone = "ok" | "warn" | "bad" | "neutral" | "info";

export function Badge({ tone, children }: PropsWithChildren<{ tone: Tone }>) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

const STATE_TONE: Record<SubscriberStatus["state"], Tone> = { active: "ok", retrying: "warn", paused: "warn", disabled: "bad" };

export function StateBadge({ status }: { status: Pick<SubscriberStatus, "state" | "disabledReason"> }) {
  const reason = status.state === "disabled" && status.disabledReason ? ` (${status.disabledReason})` : "";
  return <Badge tone={STATE_TONE[status.state]}>{status.state + reason}</Badge>;
}

/**
 * Why an operator should look at a subscriber, or undefined when it is fine: its state when
 * that is not `active`, or "failing" while its last deliveries failed.
 */
export function attentionReason(status: Pick<SubscriberStatus, "state" | "consecutiveFailures">): string | undefined {
  if (status.state !== "active") return status.state;
  return status.consecutiveFailures > 0 ? "failing" : undefined;
}

/** A delivery error in words; the relay's message often names the status already. */
export function describeError(error: { status: number | null; message: string }): string {
  if (error.status === null || error.message.includes(String(error.status))) return error.message;
  return `HTTP ${error.status}: ${error.message}`;
}

/** The lag as a number and a bar; the bar is relative to the head, so a full bar means "nothing delivered". */
export function LagBar({ lag, head }: { lag: number; head: number }) {
  const share = head > 0 ? Math.min(1, lag / head) : 0;
  return (
    <span class="lag">
      <span class="lag-number">{lag.toLocaleString("en-US")}</span>
      <span class="lag-track" aria-hidden="true">
        <span class={`lag-fill ${lag === 0 ? "zero" : ""}`} style={`width:${Math.max(lag > 0 ? 4 : 0, Math.round(share * 100))}%`}></span>
      </span>
    </span>
  );
}

export function Empty({ children }: PropsWithChildren) {
  return <div class="empty">{children}</div>;
}

/** An error from the API, in its own words. */
export function ErrorNote({ message, title = "The relay refused this" }: { message: string | undefined; title?: string }) {
  if (!message) return null;
  return (
    <div class="note bad" role="alert">
      <strong>{title}:</strong> {message}
    </div>
  );
}

export function Notice({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <div class="note ok" role="status">
      {message}
    </div>
  );
}

/** A secret shown this one time. */
export function OneTimeSecret({ label, value }: { label: string; value: string }) {
  return (
    <div class="note secret" role="status">
      <p>
        <strong>{label}</strong> It is shown only now: copy it somewhere safe.
      </p>
      <label>
        <span class="visually-hidden">{label}</span>
        <input class="secret-value" type="text" readonly value={value} />
      </label>
    </div>
  );
}

export function Section({ title, id, children, actions }: PropsWithChildren<{ title: string; id: string; actions?: Child }>) {
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <div class="card-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A one-button form that posts to the console, with a confirmation when `confirm` is set. */
export function ActionButton(props: { action: string; label: string; confirm?: string; tone?: "danger" | "primary" | "plain"; hidden?: Record<string, string> }) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <CsrfField />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={`button ${props.tone ?? "plain"}`}>
        {props.label}
      </button>
    </form>
  );
}

/** The tabs under a workspace's title. */
export function WorkspaceTabs({ workspaceId, current }: { workspaceId: string; current: "overview" | "events" | "live" }) {
  const tabs = [
    { key: "overview", label: "Overview", href: links.workspace(workspaceId) },
    { key: "events", label: "Events", href: links.events(workspaceId) },
    { key: "live", label: "Live tail", href: links.live(workspaceId) },
  ] as const;
  return (
    <nav aria-label="Workspace views" class="tabs">
      <ul>
        {tabs.map((tab) => (
          <li>
            <a href={tab.href} aria-current={tab.key === current ? "page" : undefined}>
              {tab.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export type Column = { label: string; numeric?: boolean; /** Named for screen readers only (e.g. an actions column). */ hidden?: boolean };

/** Every table of the console: its empty state when there are no rows, else a scrollable table. */
export function DataTable<T>(props: { columns: Column[]; rows: T[]; empty: Child; caption?: string; renderRow: (row: T) => Child; framed?: boolean }) {
  if (props.rows.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <div class={props.framed ? "card table-wrap" : "table-wrap"}>
      <table>
        {props.caption ? <caption class="visually-hidden">{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" class={column.numeric ? "num" : undefined}>
                {column.hidden ? <span class="visually-hidden">{column.label}</span> : column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.rows.map((row) => props.renderRow(row))}</tbody>
      </table>
    </div>
  );
}
