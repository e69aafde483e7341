import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// A fallback, every 5 minutes as in the seed: synced writes dispatch at once
// (`scheduler.runAfter(0)`); this retries events refused for now and wakes lost dispatchers.
crons.interval("retry failed events", { minutes: 5 }, internal.dispatch.retryFailed, {});
// Keeps the outbox and inbox bounded; `clearOldEvents` does the same on demand.
crons.daily("clear expired events", { hourUTC: 4, minuteUTC: 17 }, internal.outbox.clearExpired, {});

export default crons;
