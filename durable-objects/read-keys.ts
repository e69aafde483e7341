import { failure, type Failure, type Result } from "../src/contract/errors";
import type { WorkspaceId } from "../src/contract/ids";
import {
  formatReadKey,
  MAX_READ_KEYS,
  READ_KEY_SECRET_BYTES,
  ReadKeyScope,
  type CreateReadKeyBody,
  type ReadKeyCreated,
  type ReadKeyInfo,
  type ReadKeyList,
} from "../src/contract/keys";
import type { Migration } from "./schema";
import type { Sql } from "./sql";

export const readKeyMigrations: Migration[] = [
  {
    name: "read-keys/0001-keys",
    up: (sql) => {
      // Only the key's hash is stored: the key is shown once, at creation.
      sql`CREATE TABLE read_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
    },
  },
];

/** A key that verified: which one it was and what it may do. */
export type VerifiedKey = { keyId: string; scopes: ReadKeyScope[] };

type KeyRow = { id: string; name: string; scopes: string; created_at: number };

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * SHA-256 of the whole key. Keys carry 256 random bits, so a fast unsalted hash is enough:
 * there is nothing to brute-force, and a lookup by hash needs no per-key salt.
 */
export async function hashReadKey(key: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(key))));
}

function toInfo(row: KeyRow): ReadKeyInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: ReadKeyScope.array().parse(JSON.parse(row.scopes)),
    createdAt: row.created_at,
  };
}

type MintedKey = { id: string; key: string; hash: string };

/** A new key id, key and the key's hash. */
async function mintReadKey(workspaceId: WorkspaceId): Promise<MintedKey> {
  const id = `key_${toHex(crypto.getRandomValues(new Uint8Array(8)))}`;
  const key = formatReadKey(workspaceId, toBase64Url(crypto.getRandomValues(new Uint8Array(READ_KEY_SECRET_BYTES))));
  return { id, key, hash: await hashReadKey(key) };
}

/**
 * The workspace's read keys (contract §6). `workspace` tells whether the workspace exists (and
 * its id); it is asked again after each await, so a key is never written into a workspace
 * deleted meanwhile. Revoking deletes the key, so it can never verify again.
 */
export class ReadKeys {
  constructor(
    private readonly sql: Sql,
    private readonly workspace: () => WorkspaceId | undefined,
  ) {}

  async create(body: CreateReadKeyBody, now: number): Promise<Result<{ body: ReadKeyCreated }>> {
    const workspaceId = this.workspace();
    if (!workspaceId) return workspaceNotFound();
    const minted = await mintReadKey(workspaceId);
    if (!this.workspace()) return workspaceNotFound();
    const count = this.sql.one<{ n: number }>`SELECT count(*) AS n FROM read_keys`;
    if ((count?.n ?? 0) >= MAX_READ_KEYS) {
      return failure("conflict", `a workspace holds at most ${MAX_READ_KEYS} read keys; revoke one first`);
    }
    this.sql`INSERT INTO read_keys (id, name, scopes, key_hash, created_at)
             VALUES (${minted.id}, ${body.name}, ${JSON.stringify(body.scopes)}, ${minted.hash}, ${now})`;
    return {
      ok: true,
      body: { id: minted.id, key: minted.key, name: body.name, scopes: body.scopes, createdAt: now },
    };
  }

  list(): Result<{ body: ReadKeyList }> {
    if (!this.workspace()) return workspaceNotFound();
    const rows = this.sql<KeyRow>`SELECT id, name, scopes, created_at FROM read_keys ORDER BY created_at, id`;
    return { ok: true, body: { keys: rows.map(toInfo) } };
  }

  revoke(id: string): Result<object> {
    if (!this.workspace()) return workspaceNotFound();
    if (this.sql.run`DELETE FROM read_keys WHERE id = ${id}` === 0) {
      return failure("key_not_found", "no read key with this id");
    }
    return { ok: true };
  }

  async verify(key: string): Promise<Result<VerifiedKey>> {
    if (!this.workspace()) return workspaceNotFound();
    const hash = await hashReadKey(key);
    if (!this.workspace()) return workspaceNotFound();
    const row = this.sql.one<KeyRow>`SELECT id, name, scopes, created_at FROM read_keys WHERE key_hash = ${hash}`;
    if (!row) return failure("unauthorized", "unknown or revoked read key");
    return { ok: true, keyId: row.id, scopes: toInfo(row).scopes };
  }
}

function workspaceNotFound(): Failure {
  return failure("workspace_not_found", "workspace does not exist");
}
