/** Hono's environment for this Worker: the bindings declared in wrangler.toml. */
export type AppEnv = { Bindings: Env };
