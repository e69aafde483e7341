import { z } from "zod";
import { WorkspaceId } from "./ids";

export const DEFAULT_RETENTION_DAYS = 7;
export const DEFAULT_GRACE_SECONDS = 86_400;
/** A rotation's grace is bounded so that an old secret cannot stay valid forever. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

export const PutWorkspaceBody = z
  .object({ retentionDays: z.number().int().min(1).max(3650).optional() })
  .strict();
export type PutWorkspaceBody = z.infer<typeof PutWorkspaceBody>;

export const RotateSecretBody = z
  .object({ graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).optional() })
  .strict();
export type RotateSecretBody = z.infer<typeof RotateSecretBody>;

export const WorkspaceCreated = z.object({
  workspaceId: WorkspaceId,
  ingressSecret: z.string().startsWith("whsec_"),
  createdAt: z.number().int(),
  retentionDays: z.number().int(),
});
export type WorkspaceCreated = z.infer<typeof WorkspaceCreated>;

export const WorkspaceInfo = z.object({
  workspaceId: WorkspaceId,
  head: z.number().int().min(0),
  eventCount: z.number().int().min(0),
  subscriberCount: z.number().int().min(0),
  createdAt: z.number().int(),
  retentionDays: z.number().int(),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

export const SecretRotated = z.object({
  ingressSecret: z.string().startsWith("whsec_"),
  previousValidUntil: z.number().int(),
});
export type SecretRotated = z.infer<typeof SecretRotated>;
