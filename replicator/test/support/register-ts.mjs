// `node --import ./test/support/register-ts.mjs file.ts` runs the replicator's TypeScript
// sources in a child process, as the tests do (see ts-resolve.mjs). The published package
// needs none of this: it ships JavaScript (see tsup.config.ts).
import { register } from "node:module";

register("./ts-resolve.mjs", import.meta.url);
