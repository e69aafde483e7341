// `node --import ./replicator/register.mjs app.ts` lets an application import the replicator's
// TypeScript sources directly (see ts-resolve.mjs).
import { register } from "node:module";

register("./ts-resolve.mjs", import.meta.url);
