import { describe, expect, it } from "vitest";
import document from "../../openapi.json";
import { app } from "../../src/app";
import { expectStatus, json, relayFetch } from "./helpers";

/**
 * `METHOD /path/{param}` for every route the app answers (middleware excluded). The console is
 * mounted as an app of its own (method ALL); the API names its entry page, `GET /console`.
 */
function appOperations(): string[] {
  const operations = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
  const mountsConsole = app.routes.some((route) => route.method === "ALL" && route.path.startsWith("/console"));
  return [...new Set([...operations, ...(mountsConsole ? ["get /console"] : [])])].sort();
}

function documentedOperations(): string[] {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();
}

describe("openapi.json and the app (contract §8)", () => {
  it("documents every route the app has, and no route it does not have", () => {
    expect(appOperations().length).toBeGreaterThan(20);
    expect(documentedOperations()).toEqual(appOperations());
  });

  it("is served at GET /openapi.json without auth, as committed", async () => {
    const res = await relayFetch("/openapi.json", { token: null });
    await expectStatus(res, 200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual(document);
  });
});
