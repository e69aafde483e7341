/// <reference types="vite/client" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { convexTest, type TestConvex } from "convex-test";
import schema from "../example/convex/schema";
import federationTest from "../test";

/**
 * Test helpers for the example app, also meant for end-to-end tests that run the relay
 * against two of them:
 *
 * ```ts
 * const a = makeExampleApp();
 * const receiver = await serveConvexHttp(a);          // http://127.0.0.1:<port>
 * // subscriber url: `${receiver.url}/federation/receive`
 * await receiver.close();
 * ```
 */

const modules = import.meta.glob(["../example/convex/**/*.*s", "!../example/convex/**/*.d.ts"]);

export type ExampleApp = TestConvex<typeof schema>;

/** A convex-test instance of the example app, with the federation component mounted. */
export function makeExampleApp(): ExampleApp {
  const t = convexTest(schema, modules);
  federationTest.register(t);
  return t;
}

/** Anything with convex-test's `fetch`, which runs the app's HTTP actions. */
type HttpApp = Pick<ExampleApp, "fetch">;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replays one Node request against the app's HTTP router and writes back its answer. */
export async function bridgeToConvex(app: HttpApp, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const body = await readBody(request);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const method = request.method ?? "GET";
    const answer = await app.fetch(request.url ?? "/", {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
    });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    response.end(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    response.writeHead(500, { "content-type": "text/plain" });
    response.end(`bridge error: ${String(error)}`);
  }
}

/**
 * A real HTTP server on 127.0.0.1 whose requests run the app's HTTP actions, so a relay can
 * deliver to it like to `https://<deployment>.convex.site`.
 */
export async function serveConvexHttp(app: HttpApp): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((request, response) => void bridgeToConvex(app, request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
