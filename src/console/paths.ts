import { seg } from "./relay-api";

/** Where the console lives, and the links between its views: one place for every URL. */
export const CONSOLE_BASE = "/console";

export const ASSET_PATHS = {
  css: `${CONSOLE_BASE}/assets/console.css`,
  js: `${CONSOLE_BASE}/assets/console.js`,
  icon: `${CONSOLE_BASE}/assets/icon.svg`,
} as const;

export const links = {
  workspaces: () => CONSOLE_BASE,
  workspace: (ws: string) => `${CONSOLE_BASE}/w/${seg(ws)}`,
  subscriber: (ws: string, id: string) => `${CONSOLE_BASE}/w/${seg(ws)}/s/${seg(id)}`,
  events: (ws: string) => `${CONSOLE_BASE}/w/${seg(ws)}/events`,
  event: (ws: string, version: number) => `${CONSOLE_BASE}/w/${seg(ws)}/events/${version}`,
  live: (ws: string) => `${CONSOLE_BASE}/w/${seg(ws)}/live`,
  feed: (ws: string) => `${CONSOLE_BASE}/w/${seg(ws)}/feed`,
};

/** Appends the query parameters that have a value. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
