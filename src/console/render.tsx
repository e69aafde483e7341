/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { SessionContext } from "./views/layout";

/** Renders a page as a complete HTML document, with the session's CSRF token in its forms. */
export async function renderPage(c: Context, page: JSX.Element, opts: { csrf?: string; status?: ContentfulStatusCode } = {}): Promise<Response> {
  const tree = opts.csrf ? <SessionContext.Provider value={{ csrf: opts.csrf }}>{page}</SessionContext.Provider> : page;
  const html = `<!DOCTYPE html>${await tree.toString()}`;
  return c.html(html, opts.status ?? 200);
}
