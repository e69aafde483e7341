import { expect, test } from "vitest";
import { backoffDelay } from "./settings";

test("the backoff follows the schedule by consecutive failure, then repeats its last step", () => {
  const schedule = [100, 200, 500];
  expect([1, 2, 3, 4, 10].map((failures) => backoffDelay(schedule, failures))).toEqual([100, 200, 500, 500, 500]);
});
