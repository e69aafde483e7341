import { app } from "./app";
import { handleQueueBatch } from "./delivery/queue-consumer";

export { WorkspaceDurableObject } from "../durable-objects/workspace-do";
export { WorkspaceDirectory } from "../durable-objects/directory/directory-do";
export { DeliveryWorker } from "./delivery/entrypoint";

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
} satisfies ExportedHandler<Env>;
