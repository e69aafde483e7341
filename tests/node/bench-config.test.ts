import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** The settings of a wrangler.toml, without comments, its name, entry point and self binding. */
function settings(toml: string): string[] {
  return toml
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .filter((line) => !/^(name|main|service) = /.test(line));
}

describe("the benchmark's copies of the relay", () => {
  it.each(["bench/fanout/without-attempt-log/wrangler.toml", "bench/fanout/without-rate-limit/wrangler.toml"])(
    "%s runs with the relay's own wrangler.toml settings, so it measures the relay as deployed",
    (copy) => {
      // A binding or var the copy lacked (the directory, the ingest cap) would make the benchmark
      // measure something else, or fail on the routes that need it.
      expect(settings(read(copy))).toEqual(settings(read("wrangler.toml")));
    },
  );
});
