import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Only what was missed: synced writes dispatch at once (`scheduler.runAfter(0)`).
crons.interval("recover missed dispatches", { minutes: 1 }, internal.dispatch.recover, {});
// Keeps the outbox and inbox bounded; `clearOldEvents` does the same on demand.
crons.daily("clear expired events", { hourUTC: 4, minuteUTC: 17 }, internal.outbox.clearExpired, {});

export default crons;
