/** Reads an env var where `process.env` is what the Convex runtime provides. */
export function readEnv(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
