import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AppEnv } from "../http/app-env";

/**
 * The console's session and CSRF defence. Nothing here stores state: the session cookie is
 * `<expiry>.<HMAC(admin token, "session:" + expiry)>`, so it proves its holder once knew the
 * admin token without being the token, dies at its expiry, and dies everywhere at once when
 * the admin token is rotated. The CSRF token is an HMAC of the session cookie, so a page of
 * another site, which can neither read the cookie nor the console's pages, cannot forge it.
 */

export const SESSION_COOKIE = "relay_console";
/** How long a login lasts. */
export const SESSION_SECONDS = 8 * 3600;
/** The hidden form field, and the header for script calls, that carry the CSRF token. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const encoder = new TextEncoder();

async function hmacHex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sessionMac(adminToken: string, expiresAt: number): Promise<string> {
  return hmacHex(adminToken, `console-session:${expiresAt}`);
}

/** The cookie value for a session that ends at `expiresAt` (seconds since the epoch). */
export async function issueSessionValue(adminToken: string, expiresAt: number): Promise<string> {
  return `${expiresAt}.${await sessionMac(adminToken, expiresAt)}`;
}

/** True when `value` is a session this admin token issued and it has not expired. */
export async function isValidSessionValue(value: string | undefined, adminToken: string | undefined, nowSeconds: number): Promise<boolean> {
  if (!value || !adminToken) return false;
  const match = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt <= nowSeconds) return false;
  return timingSafeEqual(match[2]!, await sessionMac(adminToken, expiresAt));
}

/** The CSRF token bound to one session cookie. */
export async function csrfTokenFor(adminToken: string, sessionValue: string): Promise<string> {
  return hmacHex(adminToken, `console-csrf:${sessionValue}`);
}

export async function isValidCsrfToken(token: string | undefined, adminToken: string, sessionValue: string): Promise<boolean> {
  if (!token) return false;
  return timingSafeEqual(token, await csrfTokenFor(adminToken, sessionValue));
}

/**
 * Secure everywhere but plain-http loopback, where browsers would drop a Secure cookie and
 * nothing travels off the machine.
 */
function needsSecureFlag(requestUrl: string): boolean {
  const url = new URL(requestUrl);
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  return !(url.protocol === "http:" && loopback);
}

const COOKIE_PATH = "/console";

export async function startSession<E extends AppEnv>(c: Context<E>, adminToken: string): Promise<void> {
  const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
  setCookie(c, SESSION_COOKIE, await issueSessionValue(adminToken, expiresAt), {
    path: COOKIE_PATH,
    httpOnly: true,
    secure: needsSecureFlag(c.req.url),
    sameSite: "Strict",
    maxAge: SESSION_SECONDS,
  });
}

export function endSession<E extends AppEnv>(c: Context<E>): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: needsSecureFlag(c.req.url), httpOnly: true, sameSite: "Strict" });
}

/** The request's session cookie when it is valid, else undefined. */
export async function currentSession<E extends AppEnv>(c: Context<E>): Promise<string | undefined> {
  const value = getCookie(c, SESSION_COOKIE);
  return (await isValidSessionValue(value, c.env.RELAY_ADMIN_TOKEN, Math.floor(Date.now() / 1000))) ? value : undefined;
}

/**
 * The second CSRF check: a browser states where a request comes from. A request that names
 * another origin, or says it was sent cross-site, is refused whatever token it carries.
 */
export function isSameOriginRequest<E extends AppEnv>(c: Context<E>, consoleOrigin: string): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== consoleOrigin) return false;
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}
