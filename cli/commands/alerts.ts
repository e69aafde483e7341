import { type Command, Option } from "commander";
import { AlertType } from "../../src/contract/alerts.ts";
import { act, list, workspaceOption } from "../context.ts";
import { printJson, printLine, printSecret, printTable } from "../output.ts";

export function alertsCommand(program: Command): void {
  const alerts = program.command("alerts").description("alert destinations: signed webhooks about subscribers that fail, pause or recover");

  alerts
    .command("list")
    .description("list alert destinations (never their secrets)")
    .addOption(workspaceOption())
    .action(
      act(async (ctx) => {
        const destinations = await ctx.client().listAlerts(ctx.workspace);
        if (ctx.json) return printJson({ alerts: destinations });
        printTable(
          destinations,
          [
            ["ID", (a) => a.id],
            ["URL", (a) => a.url],
            ["TYPES", (a) => a.types.join(",")],
          ],
          "No alert destinations: add one with `relay alerts add <id> --endpoint <https url>`.",
        );
      }),
    );

  alerts
    .command("add")
    .description("add an alert destination and print its signing secret (shown this once); on an existing id, update it")
    .addOption(workspaceOption())
    .argument("<alertId>")
    .requiredOption("--endpoint <url>", "where alerts are POSTed (https; the same URL rules as subscribers)")
    .addOption(new Option("--types <types>", `comma-separated alert types (default: all of ${AlertType.options.join(", ")})`).argParser(list))
    .action(
      act(async (ctx, alertId: string) => {
        const body = { url: ctx.opts.endpoint as string, ...(ctx.opts.types ? { types: ctx.opts.types } : {}) };
        const result = await ctx.client().putAlert(ctx.workspace, alertId, body);
        if (ctx.json) return printJson(result.value);
        if (!result.created) return printLine(`Updated alert destination ${alertId} (its secret is not shown again).`);
        printLine(`Added alert destination ${alertId} for ${result.value.types.join(", ")}.`);
        printSecret("Signing secret", result.value.secret);
      }),
    );

  alerts
    .command("delete")
    .description("delete an alert destination")
    .addOption(workspaceOption())
    .argument("<alertId>")
    .action(
      act(async (ctx, alertId: string) => {
        await ctx.client().deleteAlert(ctx.workspace, alertId);
        if (ctx.json) return printJson({ deleted: alertId });
        printLine(`Deleted alert destination ${alertId}.`);
      }),
    );
}
