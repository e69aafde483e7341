import { DIRECTORY_NAME } from "../../durable-objects/directory/directory-do";
import type { WorkspaceTruth } from "../../durable-objects/directory/entries";

/** The stub of the one workspace directory object. */
export function directoryStub(env: Env) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(DIRECTORY_NAME));
}

/**
 * Opens the directory's intent before a workspace write (PUT or DELETE); the caller settles
 * it with what the write showed. A crash between the two leaves the intent open, and an open
 * intent makes the directory ask the workspace itself (docs/operator-api-design.md). Routes
 * answer only after settling, so a `201` workspace is listed and a `204` one is not. A write
 * that throws, or a settlement that fails, leaves its intent to that check.
 */
export async function openDirectoryIntent(env: Env, workspaceId: string) {
  const directory = directoryStub(env);
  const seq = await directory.intend(workspaceId);
  return {
    async settle(truth: WorkspaceTruth): Promise<void> {
      try {
        await directory.settle(workspaceId, seq, truth);
      } catch (error) {
        // The workspace's write is done and must be answered (a 201 carries the only copy of
        // the ingress secret). The intent stays open, so lists and the alarm still get it right.
        console.error(`directory: settling ${workspaceId} failed; its open intent will be checked`, String(error));
      }
    },
  };
}
