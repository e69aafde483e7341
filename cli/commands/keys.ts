import type { Command } from "commander";
import { act, workspaceOption } from "../context.ts";
import { printJson, printLine, printSecret, printTable, time } from "../output.ts";

export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("read keys: they authorise the read API and the live feed of one workspace");

  keys
    .command("create")
    .description("create a read key and print it (shown this once)")
    .addOption(workspaceOption())
    .requiredOption("--name <name>", "what the key is for, e.g. the replica that uses it")
    .action(
      act(async (ctx) => {
        const key = await ctx.client().createReadKey(ctx.workspace, ctx.opts.name);
        if (ctx.json) return printJson(key);
        printLine(`Created read key ${key.id} (${key.name}).`);
        printSecret("Key", key.key);
      }),
    );

  keys
    .command("list")
    .description("list read keys (never their secrets)")
    .addOption(workspaceOption())
    .action(
      act(async (ctx) => {
        const list = await ctx.client().listReadKeys(ctx.workspace);
        if (ctx.json) return printJson({ keys: list });
        printTable(
          list,
          [
            ["ID", (k) => k.id],
            ["NAME", (k) => k.name],
            ["SCOPES", (k) => k.scopes.join(",")],
            ["CREATED", (k) => time(k.createdAt)],
          ],
          "No read keys: create one with `relay keys create --name <name>`.",
        );
      }),
    );

  keys
    .command("revoke")
    .description("revoke a read key; feeds opened with it are closed")
    .addOption(workspaceOption())
    .argument("<keyId>")
    .action(
      act(async (ctx, keyId: string) => {
        await ctx.client().revokeReadKey(ctx.workspace, keyId);
        if (ctx.json) return printJson({ revoked: keyId });
        printLine(`Revoked read key ${keyId}.`);
      }),
    );
}
