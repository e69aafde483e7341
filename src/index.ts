import { app } from "./app";

export { WorkspaceDurableObject } from "../durable-objects/workspace-do";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
