import { WorkspaceId } from "../../../src/contract/ids";
import { ENV_VAR_NAME, isUsableSecret } from "../../shared/secrets";
import { COMPONENT_ENV_VARS, isComponentEnvVar } from "./env";

/** Hosts where plain `http:` is accepted: local development and tests only. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export type ConnectionInput = {
  projectId: string;
  url: string;
  kind?: "relay" | "direct";
  workspace?: string;
  secret?: string;
  secretEnvVar?: string;
  receiveSecret?: string;
  receiveSecretEnvVar?: string;
};

export type ConnectionConfig = {
  projectId: string;
  kind: "relay" | "direct";
  url: string;
  workspace?: string;
  secret?: string;
  secretEnvVar?: string;
  receiveSecret?: string;
  receiveSecretEnvVar?: string;
};

/** Normalises a URL: https (or http on a loopback host), no credentials, no fragment. */
export function checkUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what} is not a valid URL`);
  }
  const insecureAllowed = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !insecureAllowed) {
    throw new Error(`${what} must use https (http is accepted only for localhost)`);
  }
  // Secrets never travel in URLs.
  if (url.username || url.password) throw new Error(`${what} must not carry credentials`);
  url.hash = "";
  return url.toString();
}

function checkSecret(secret: string | undefined, what: string): string | undefined {
  if (secret === undefined) return undefined;
  if (!isUsableSecret(secret)) {
    throw new Error(`${what} must be a whsec_ secret or a passphrase of at least 32 characters`);
  }
  return secret;
}

/**
 * Validates what `addConnection` was given and fills in the defaults: a connection with a
 * workspace is a relay connection; a direct peer signs with `FEDERATION_SECRET` unless told
 * otherwise, as the seed does.
 */
export function connectionConfig(input: ConnectionInput): ConnectionConfig {
  if (!/^\S{1,128}$/.test(input.projectId)) throw new Error("projectId must be 1..128 characters without whitespace");
  const kind = input.kind ?? (input.workspace !== undefined ? "relay" : "direct");
  let url = checkUrl(input.url, "url");
  if (kind === "relay") {
    if (input.workspace === undefined || !WorkspaceId.safeParse(input.workspace).success) {
      throw new Error("a relay connection needs a workspace matching ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$");
    }
    const base = new URL(url);
    if (base.search) throw new Error("the relay url is its base URL, without a query");
    url = base.toString().replace(/\/+$/, "");
  } else if (input.workspace !== undefined) {
    throw new Error("a direct connection has no workspace");
  }

  if (input.secret !== undefined && input.secretEnvVar !== undefined) {
    throw new Error("give secret or secretEnvVar, not both");
  }
  if (input.receiveSecret !== undefined && input.receiveSecretEnvVar !== undefined) {
    throw new Error("give receiveSecret or receiveSecretEnvVar, not both");
  }
  const secretEnvVar =
    input.secretEnvVar ?? (input.secret === undefined && kind === "direct" ? "FEDERATION_SECRET" : undefined);
  if (input.secret === undefined && secretEnvVar === undefined) {
    throw new Error("a relay connection needs the workspace's ingress secret: secret or secretEnvVar");
  }
  if (secretEnvVar !== undefined && !isComponentEnvVar(secretEnvVar)) {
    throw new Error(
      `secretEnvVar must be one of the env vars the component declares (${COMPONENT_ENV_VARS.join(", ")}); ` +
        "bind it in app.use(federation, { env: { … } })",
    );
  }
  if (input.receiveSecretEnvVar !== undefined && !ENV_VAR_NAME.test(input.receiveSecretEnvVar)) {
    throw new Error("receiveSecretEnvVar is not a valid env var name");
  }
  return {
    projectId: input.projectId,
    kind,
    url,
    workspace: kind === "relay" ? input.workspace : undefined,
    secret: checkSecret(input.secret, "secret"),
    secretEnvVar,
    receiveSecret: checkSecret(input.receiveSecret, "receiveSecret"),
    receiveSecretEnvVar: input.receiveSecretEnvVar,
  };
}

/** Where the dispatcher POSTs: the relay's ingest route (contract §2), or the peer's route. */
export function ingestUrl(connection: Pick<ConnectionConfig, "kind" | "url" | "workspace">): string {
  if (connection.kind === "direct") return connection.url;
  return `${connection.url}/v1/workspaces/${encodeURIComponent(connection.workspace ?? "")}/events`;
}
