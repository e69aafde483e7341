import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request as the receiver saw it, checked against its secret the moment it arrived. */
export type Receipt = {
  at: number;
  headers: Record<string, string>;
  body: string;
  /** Standard Webhooks verification with the `standardwebhooks` library, at receipt time. */
  verifyError: string | null;
  /** The status sent back, or "closed" when the connection ended first (dropped or timed out). */
  answer?: number | "closed";
  /** Retry-After sent with a 429 or 503, in seconds. */
  retryAfterSeconds?: number;
};

/** How a receiver answers one request. */
export type Behaviour = (receipt: Receipt, res: ServerResponse) => unknown;

/**
 * A real HTTP server on 127.0.0.1 that records and verifies every request. It can be stopped
 * (its port then refuses connections) and started again on the same port.
 */
export class ChaosReceiver {
  readonly receipts: Receipt[] = [];
  private server: Server | undefined;
  private port = 0;
  private webhook: Webhook | undefined;

  readonly name: string;
  private readonly behaviour: Behaviour;

  constructor(name: string, behaviour: Behaviour) {
    this.name = name;
    this.behaviour = behaviour;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** The secret the relay signs with, known once the subscriber or alert is created. */
  set secret(secret: string) {
    this.webhook = new Webhook(secret);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const receipt: Receipt = { at: Date.now(), headers, body, verifyError: this.verify(body, headers) };
      this.receipts.push(receipt);
      res.once("finish", () => {
        receipt.answer = res.statusCode;
        const retryAfter = res.getHeader("retry-after");
        if (retryAfter !== undefined) receipt.retryAfterSeconds = Number(retryAfter);
      });
      res.once("close", () => {
        receipt.answer ??= "closed";
      });
      Promise.resolve(this.behaviour(receipt, res)).catch(() => res.destroy());
    });
  }

  private verify(body: string, headers: Record<string, string>): string | null {
    if (!this.webhook) return "no secret known yet";
    try {
      this.webhook.verify(body, headers);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
