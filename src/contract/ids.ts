import { z } from "zod";

/** `workspaceId` and `subscriberId` share one shape (contract §0). */
const resourceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const WorkspaceId = z
  .string()
  .regex(resourceIdPattern, "must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$");
export const SubscriberId = WorkspaceId;
/** Alert destination ids (contract §9) take the same shape. */
export const AlertId = WorkspaceId;

/** Event ids are 1..128 printable ASCII characters without whitespace (0x21..0x7e). */
export const EventId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without whitespace");

export type WorkspaceId = z.infer<typeof WorkspaceId>;
export type SubscriberId = z.infer<typeof SubscriberId>;
