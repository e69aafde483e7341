/** @jsxImportSource hono/jsx */
import type { Child, PropsWithChildren } from "hono/jsx";
import { createContext, useContext } from "hono/jsx";
import { ASSET_PATHS, CONSOLE_BASE } from "../paths";

/** What every page of a session needs: the CSRF token its forms carry. */
export type PageSession = { csrf: string };
export const SessionContext = createContext<PageSession | null>(null);

/** The hidden field that makes a form acceptable to the console (see session.ts). */
export function CsrfField() {
  const session = useContext(SessionContext);
  return session ? <input type="hidden" name="_csrf" value={session.csrf} /> : null;
}

export type Crumb = { label: string; href?: string };

function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        {crumbs.map((crumb, i) => (
          <li>{crumb.href && i < crumbs.length - 1 ? <a href={crumb.href}>{crumb.label}</a> : <span aria-current="page">{crumb.label}</span>}</li>
        ))}
      </ol>
    </nav>
  );
}

/** The frame of every console page: header, breadcrumbs, and the page's own content. */
export function Layout(props: PropsWithChildren<{ title: string; crumbs?: Crumb[]; signedIn: boolean; tabs?: Child }>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Relay console`}</title>
        <link rel="icon" href={ASSET_PATHS.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={ASSET_PATHS.css} />
        <script src={ASSET_PATHS.js} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href={CONSOLE_BASE}>
            <img src={ASSET_PATHS.icon} alt="" width="24" height="24" />
            <span>Convex Edge Relay</span>
            <span class="brand-sub">console</span>
          </a>
          {props.signedIn ? (
            <form method="post" action={`${CONSOLE_BASE}/logout`} class="logout">
              <CsrfField />
              <button type="submit" class="button ghost">
                Log out
              </button>
            </form>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {props.crumbs ? <Breadcrumbs crumbs={props.crumbs} /> : null}
          <h1>{props.title}</h1>
          {props.tabs}
          {props.children}
        </main>
      </body>
    </html>
  );
}
