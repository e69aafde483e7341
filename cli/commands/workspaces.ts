import { type Command, Option } from "commander";
import type { WorkspaceInfo } from "../../src/contract/workspace.ts";
import { act, integer, requireYes } from "../context.ts";
import { printFields, printJson, printLine, printSecret, printTable, time } from "../output.ts";

function printWorkspace(info: WorkspaceInfo): void {
  printFields([
    ["workspace", info.workspaceId],
    ["head", info.head],
    ["events", info.eventCount],
    ["subscribers", info.subscriberCount],
    ["retention days", info.retentionDays],
    ["created", time(info.createdAt)],
  ]);
}

export function workspacesCommand(program: Command): void {
  const workspaces = program.command("workspaces").description("list, inspect, create and delete workspaces");

  workspaces
    .command("list")
    .description("list workspaces, sorted by id")
    .option("--limit <n>", "workspaces per page (1..1000)", integer(1))
    .option("--cursor <workspaceId>", "the next-page cursor a previous page printed")
    .action(
      act(async (ctx) => {
        const page = await ctx.client().listWorkspaces({ limit: ctx.opts.limit, cursor: ctx.opts.cursor });
        if (ctx.json) return printJson(page);
        printTable(
          page.workspaces,
          [
            ["WORKSPACE", (w) => w.workspaceId],
            ["HEAD", (w) => w.head],
            ["SUBSCRIBERS", (w) => w.subscriberCount],
            ["CREATED", (w) => time(w.createdAt)],
          ],
          "No workspaces yet: create one with `relay workspaces create <id>`.",
        );
        if (page.nextCursor) printLine(`\nMore: relay workspaces list --cursor ${page.nextCursor}`);
      }),
    );

  workspaces
    .command("get")
    .description("show one workspace")
    .argument("<workspaceId>")
    .action(
      act(async (ctx, workspaceId: string) => {
        const info = await ctx.client().getWorkspace(workspaceId);
        if (ctx.json) return printJson(info);
        printWorkspace(info);
      }),
    );

  workspaces
    .command("create")
    .description("create a workspace and print its ingress secret (shown this once); on an existing one, update its settings")
    .argument("<workspaceId>")
    .option("--retention-days <n>", "how long events are kept", integer(1))
    .action(
      act(async (ctx, workspaceId: string) => {
        const body = ctx.opts.retentionDays === undefined ? {} : { retentionDays: ctx.opts.retentionDays as number };
        const result = await ctx.client().putWorkspace(workspaceId, body);
        if (ctx.json) return printJson(result.value);
        if (!result.created) {
          printLine(`Workspace ${workspaceId} already exists; its settings are updated (its ingress secret is not shown again).`);
          return printWorkspace(result.value);
        }
        printLine(`Created workspace ${workspaceId} (retention ${result.value.retentionDays} days).`);
        printSecret("Ingress secret", result.value.ingressSecret);
      }),
    );

  workspaces
    .command("delete")
    .description("delete a workspace and everything it stored")
    .argument("<workspaceId>")
    .option("--yes", "confirm the deletion")
    .action(
      act(async (ctx, workspaceId: string) => {
        requireYes(ctx, `deleting workspace ${workspaceId}`);
        await ctx.client().deleteWorkspace(workspaceId);
        if (ctx.json) return printJson({ deleted: workspaceId });
        printLine(`Deleted workspace ${workspaceId}.`);
      }),
    );

  workspaces
    .command("rotate-secret")
    .description("create a new ingress secret (printed this once); the old one works until the grace period ends")
    .argument("<workspaceId>")
    .addOption(new Option("--grace-seconds <n>", "how long the old secret stays valid (default 86400)").argParser(integer(0)))
    .action(
      act(async (ctx, workspaceId: string) => {
        const grace = ctx.opts.graceSeconds as number | undefined;
        const rotated = await ctx.client().rotateIngressSecret(workspaceId, grace === undefined ? {} : { graceSeconds: grace });
        if (ctx.json) return printJson(rotated);
        printSecret("New ingress secret", rotated.ingressSecret);
        printLine(`The previous secret is accepted until ${time(rotated.previousValidUntil)} UTC.`);
      }),
    );
}
