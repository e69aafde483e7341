import { Hono } from "hono";
import pkg from "../../package.json";
import type { AppEnv } from "../http/app-env";

/** Contract §7. */
export const healthRoutes = new Hono<AppEnv>().get("/health", (c) => c.json({ ok: true, version: pkg.version }));
