import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium: browser downloads do not work here, so `.ci/run` installs the package. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_DIR = resolve(import.meta.dirname, "screenshots");

export type Browser = {
  context: BrowserContext;
  /** Every URL the browser requested, WebSocket URLs included. */
  urls: string[];
  /** The body of every HTML document the browser received. */
  documents: string[];
  close(): Promise<void>;
};

/** A headless Chromium with a fresh profile that records every URL it asks for and every page it gets. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "relay-console-chromium-"));
  // playwright-core passes the profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const urls: string[] = [];
  const documents: string[] = [];
  const pending: Promise<unknown>[] = [];
  const watch = (page: Page) => {
    page.on("request", (request) => urls.push(request.url()));
    page.on("websocket", (socket) => urls.push(socket.url()));
    page.on("dialog", (dialog) => void dialog.accept());
    page.on("response", (response) => {
      if (response.request().resourceType() !== "document") return;
      pending.push(
        response
          .text()
          .then((body) => documents.push(body))
          .catch(() => undefined),
      );
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    urls,
    documents,
    async close() {
      await Promise.all(pending);
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

let axeSource: string | undefined;

/** Runs axe-core in the page; returns the serious and critical violations, described. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol, so the console's CSP (script-src 'self') still holds for the page.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(", ")}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
