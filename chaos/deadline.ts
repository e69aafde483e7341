/** Every wait in the chaos run has a deadline, and says what it was waiting for when it fails. */
export class DeadlineExceeded extends Error {}

export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a truthy value, or fails with `what` (described when it fails) after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms: number, what: string | (() => string), everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const described = typeof what === "string" ? what : what();
      throw new DeadlineExceeded(`timed out after ${Math.round(ms / 1000)} s: ${described}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    }
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
