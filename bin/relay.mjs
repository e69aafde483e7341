#!/usr/bin/env node
// The `relay` command. The CLI is TypeScript that imports the project's contract modules, whose
// relative imports carry no file extension; Node's own type stripping cannot resolve those,
// so tsx (esbuild-based) loads them.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../cli/main.ts");
process.exitCode = await run(process.argv);
