import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createTcpServer, connect, type Socket, type AddressInfo, type Server } from "node:net";

export type Proxy = { url: string; close(): Promise<void> };

function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A plain TCP relay to `target`; `cutAll` drops every open connection, as a network blip would. */
export async function startTcpProxy(target: string): Promise<Proxy & { cutAll(): void; connections: number }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((client) => {
    connections++;
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    cutAll() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * An HTTP proxy to `target` that refuses every WebSocket upgrade with 403, like a corporate
 * proxy that only speaks plain HTTP.
 */
export async function startNoWebSocketProxy(target: string): Promise<Proxy & { refusedUpgrades: number }> {
  let refusedUpgrades = 0;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const upstream = await fetch(new URL(req.url ?? "/", target), {
          method: req.method,
          headers: forwardable(req.headers),
          body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
        res.end(body);
      } catch {
        res.destroy();
      }
    });
  });
  server.on("upgrade", (_req, socket: Socket) => {
    refusedUpgrades++;
    socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get refusedUpgrades() {
      return refusedUpgrades;
    },
    async close() {
      server.closeAllConnections();
      await closeServer(server);
    },
  };
}
