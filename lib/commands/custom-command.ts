import { clip, invalidArgs } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";

type Parsed =
  | { sub: "create"; name: string; url: string; description: string; usageHint: string }
  | { sub: "list" }
  | { sub: "delete" | "log"; name: string };

export const customCommand = defineCommand({
  name: "command",
  usage: [
    "/command create /<name> <url> [description] [usage hint]",
    "/command list",
    "/command delete /<name>",
    "/command log /<name>",
  ],
  summary: "Manage this community's own slash commands (Slack-compatible)",
  details:
    'Typing `/<name> text` POSTs Slack\'s slash-command form to the URL, signed with Slack\'s v0 scheme; the app answers in 3 s (or later, through `response_url`). `create` shows the signing secret once; quote a description or usage hint with spaces: `/command create /deploy https://ci.example/slack "Deploy a branch" "[env]"`. `log` shows its last calls and why they failed.',
  admin: true,
  scope: "admin",
  parse(a): Parsed {
    const sub = a.word("create, list, delete or log").toLowerCase();
    if (sub === "list") {
      a.end();
      return { sub };
    }
    if (sub !== "create" && sub !== "delete" && sub !== "log")
      throw invalidArgs(`"${clip(sub)}" is not create, list, delete or log`);
    const name = a.word("/name").replace(/^\//, "").toLowerCase();
    if (sub !== "create") {
      a.end();
      return { sub, name };
    }
    const url = a.word("URL");
    const description = a.optionalWord() ?? "";
    const usageHint = a.optionalWord() ?? "";
    a.end();
    return { sub, name, url, description, usageHint };
  },
  run(ctx, args) {
    if (args.sub === "create") return createCustom(ctx, args);
    if (args.sub === "list") return listCustom(ctx);
    if (args.sub === "log") return logCustom(ctx, args.name);
    return deleteCustom(ctx, args.name);
  },
});

async function createCustom(ctx: CommandContext, args: Extract<Parsed, { sub: "create" }>) {
  const { doCreateSlashCommand } = await import("../slash-commands/manage.ts");
  const { COMMANDS } = await import("./catalog.ts");
  const created = await doCreateSlashCommand(
    ctx.db,
    ctx.principal.user.id,
    communityOf(ctx, "command"),
    args,
    COMMANDS.map((c) => c.name),
  );
  return outcome(
    [
      `Created **/${created.command.name}** calling ${created.command.url}. Its signing secret is shown only now:`,
      "```",
      created.signing_secret,
      "```",
      `Its verification token (Slack's older check): \`${created.verification_token}\``,
    ].join("\n"),
    [{ type: "command.created", command_id: created.command.id, name: created.command.name }],
  );
}

async function listCustom(ctx: CommandContext) {
  const { listSlashCommands } = await import("../slash-commands/manage.ts");
  const rows = await listSlashCommands(ctx.db, communityOf(ctx, "command"));
  if (rows.length === 0) return outcome("No custom commands yet; `/command create /<name> <url>` makes one.");
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return outcome(
    [
      "| command | URL | description |",
      "|---|---|---|",
      ...rows.map((c) => `| /${c.name} ${cell(c.usageHint)} | ${cell(c.url)} | ${cell(c.description)} |`),
    ].join("\n"),
  );
}

async function deleteCustom(ctx: CommandContext, name: string) {
  const { doDeleteSlashCommand } = await import("../slash-commands/manage.ts");
  const deleted = await doDeleteSlashCommand(
    ctx.db,
    ctx.principal.user.id,
    communityOf(ctx, "command"),
    name,
  );
  return outcome(`Deleted **/${deleted.name}**; typing it now says there is no such command.`, [
    { type: "command.deleted", command_id: deleted.id, name: deleted.name },
  ]);
}

async function logCustom(ctx: CommandContext, name: string) {
  const { findSlashCommand } = await import("../slash-commands/manage.ts");
  const { readDeliveries } = await import("../integrations/delivery-log.ts");
  const { notFound } = await import("../errors.ts");
  const command = await findSlashCommand(ctx.db, communityOf(ctx, "command"), name);
  if (!command) throw notFound(`/${name}`, "no_such_command");
  const rows = await readDeliveries(ctx.db, command.id, 10);
  if (rows.length === 0) return outcome(`/${command.name} has not been called yet.`);
  return outcome(
    [
      `Last calls of **/${command.name}**, newest first:`,
      "| at | status | ms | outcome |",
      "|---|---|---|---|",
      ...rows.map(
        (r) =>
          `| ${r.createdAt.toISOString()} | ${r.status ?? "—"} | ${r.latencyMs} | ${(r.error ?? "ok").replace(/\|/g, "\\|")} |`,
      ),
    ].join("\n"),
  );
}
