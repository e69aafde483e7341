/**
 * Which relay variant a workspace runs, told by its id, so that one relay process can hold every
 * variant side by side (see `worker.ts`). Shared by that Worker and the drain benchmark.
 */
export type RelayVariant = "relay" | "relay-again" | "relay-without-attempt-log" | "relay-without-rate-limit";

/**
 * `relay-again` is the relay unchanged under a second name: the relay over it is an A/A
 * comparison, which shows how far apart two identical paths come out in this benchmark.
 */
export const RELAY_VARIANTS: readonly RelayVariant[] = ["relay", "relay-again", "relay-without-attempt-log", "relay-without-rate-limit"];

/** What ends the id of a workspace that runs a variant; the relay itself has no suffix. */
const SUFFIXES: Record<Exclude<RelayVariant, "relay">, string> = {
  "relay-again": "--again",
  "relay-without-attempt-log": "--no-attempt-log",
  "relay-without-rate-limit": "--no-rate-limit",
};

/** The id of a workspace, made from `base`, that runs `variant`. */
export const variantWorkspaceId = (variant: RelayVariant, base: string): string =>
  variant === "relay" ? base : `${base}${SUFFIXES[variant]}`;

/** The variant a workspace runs, from its id. */
export function variantOf(workspaceId: string): RelayVariant {
  for (const [variant, suffix] of Object.entries(SUFFIXES)) if (workspaceId.endsWith(suffix)) return variant as RelayVariant;
  return "relay";
}
