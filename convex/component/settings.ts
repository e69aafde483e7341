import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { readSettings, resolveOrigin, retrySchedule } from "./lib/settings";
import { vSettings } from "./lib/validators";

const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Sets this deployment's origin (default: the deployment's name) and the retry schedule.
 * Fields left out keep their value; `null` restores the default.
 */
export const configure = mutation({
  args: {
    origin: v.optional(v.union(v.string(), v.null())),
    retryScheduleMs: v.optional(v.union(v.array(v.number()), v.null())),
  },
  returns: vSettings,
  handler: async (ctx, args) => {
    if (typeof args.origin === "string" && !/^\S{1,256}$/.test(args.origin)) {
      throw new Error("origin must be 1..256 characters without whitespace");
    }
    if (args.retryScheduleMs) {
      const bad = args.retryScheduleMs.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > MAX_RETRY_DELAY_MS);
      if (args.retryScheduleMs.length === 0 || bad) {
        throw new Error(`retryScheduleMs must list 1 or more whole delays in 0..${MAX_RETRY_DELAY_MS} ms`);
      }
    }
    const current = await readSettings(ctx);
    const next = {
      origin: args.origin === undefined ? current?.origin : (args.origin ?? undefined),
      retryScheduleMs: args.retryScheduleMs === undefined ? current?.retryScheduleMs : (args.retryScheduleMs ?? undefined),
    };
    if (current) await ctx.db.replace("settings", current._id, next);
    else await ctx.db.insert("settings", next);
    return await describeSettings(ctx);
  },
});

export const get = query({
  args: {},
  returns: vSettings,
  handler: async (ctx) => await describeSettings(ctx),
});

async function describeSettings(ctx: Parameters<typeof resolveOrigin>[0]) {
  const { origin, source } = await resolveOrigin(ctx);
  return {
    origin,
    originSource: source,
    retryScheduleMs: await retrySchedule(ctx),
  };
}
