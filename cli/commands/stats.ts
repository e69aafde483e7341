import { type Command, Option } from "commander";
import { act, workspaceOption } from "../context.ts";
import { printFields, printJson, printLine, printTable, time } from "../output.ts";

export function statsCommand(program: Command): void {
  program
    .command("stats")
    .description("throughput and delivery latency over the last hour or day")
    .addOption(workspaceOption())
    .addOption(new Option("--window <window>", "1h (minute buckets) or 24h (15-minute buckets)").choices(["1h", "24h"]).default("1h"))
    .action(
      act(async (ctx) => {
        const stats = await ctx.client().stats(ctx.workspace, ctx.opts.window);
        if (ctx.json) return printJson(stats);
        const sum = (pick: (b: (typeof stats.buckets)[number]) => number) => stats.buckets.reduce((n, b) => n + pick(b), 0);
        printFields([
          ["window", stats.window],
          ["ingested", sum((b) => b.ingested)],
          ["duplicates", sum((b) => b.duplicates)],
          ["delivered", sum((b) => b.delivered)],
          ["failed attempts", sum((b) => b.failedAttempts)],
          ["dead-lettered", sum((b) => b.deadLettered)],
        ]);
        printLine();
        const active = stats.buckets.filter((b) => b.ingested + b.delivered + b.failedAttempts + b.deadLettered + b.duplicates > 0);
        printTable(
          active,
          [
            ["BUCKET", (b) => time(b.at)],
            ["INGESTED", (b) => b.ingested],
            ["DUPLICATES", (b) => b.duplicates],
            ["DELIVERED", (b) => b.delivered],
            ["FAILED", (b) => b.failedAttempts],
            ["DEAD", (b) => b.deadLettered],
            ["P50 MS", (b) => b.deliveryP50Ms],
            ["P95 MS", (b) => b.deliveryP95Ms],
          ],
          `No activity in the last ${stats.window}.`,
        );
      }),
    );
}
