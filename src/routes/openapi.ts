import { Hono } from "hono";
import document from "../../openapi.json";
import type { AppEnv } from "../http/app-env";

/**
 * Contract §8: the OpenAPI 3.1 document, without auth. It is generated from the zod schemas
 * the routes validate with (`npm run codegen`, checked fresh by the tests) and served as committed.
 */
export const openApiRoutes = new Hono<AppEnv>().get("/openapi.json", (c) => c.json(document));
