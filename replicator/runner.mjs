#!/usr/bin/env node
// Runs the `relay-replicator` command (runner.ts) from this checkout's TypeScript sources, for
// the tests and for development: `node replicator/runner.mjs`, configured as runner.ts says.
// The package ships it built (dist/runner.js, see tsup.config.ts) and needs none of this.
import { register } from "node:module";

register("./ts-resolve.mjs", import.meta.url);
await import("./runner.ts");
