#!/usr/bin/env node
// `npm run demo` (see demo/main.ts), loaded through tsx for the same reason as bin/relay.mjs.
import { register } from "tsx/esm/api";

register();
await import("../demo/main.ts");
