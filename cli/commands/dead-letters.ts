import type { Command } from "commander";
import { act, integer, workspaceOption } from "../context.ts";
import { excerpt, printJson, printLine, printTable, time } from "../output.ts";

export function deadLettersCommand(program: Command): void {
  const deadLetters = program.command("dead-letters").description("batches given up on (onExhausted: dead-letter), and their redelivery");

  deadLetters
    .command("list")
    .description("list dead letters, newest first")
    .addOption(workspaceOption())
    .option("--subscriber <subscriberId>", "only this subscriber's")
    .option("--limit <n>", "how many (1..1000)", integer(1))
    .action(
      act(async (ctx) => {
        const list = await ctx.client().listDeadLetters(ctx.workspace, { subscriberId: ctx.opts.subscriber, limit: ctx.opts.limit });
        if (ctx.json) return printJson({ deadLetters: list });
        printTable(
          list,
          [
            ["ID", (d) => d.id],
            ["SUBSCRIBER", (d) => d.subscriberId],
            ["VERSIONS", (d) => `${d.fromVersion}..${d.toVersion}`],
            ["ATTEMPTS", (d) => d.attempts],
            ["CREATED", (d) => time(d.createdAt)],
            ["LAST ERROR", (d) => excerpt(d.lastError && `${d.lastError.status ?? ""} ${d.lastError.message}`, 50)],
          ],
          "No dead letters.",
        );
      }),
    );

  deadLetters
    .command("redeliver")
    .description("deliver a dead letter's events again")
    .addOption(workspaceOption())
    .argument("<deadLetterId>")
    .action(
      act(async (ctx, id: string) => {
        await ctx.client().redeliverDeadLetter(ctx.workspace, id);
        if (ctx.json) return printJson({ redelivering: id });
        printLine(`Redelivery of ${id} started.`);
      }),
    );
}
