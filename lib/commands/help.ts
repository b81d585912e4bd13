import { invalid } from "../errors.ts";
import { type CommandContext, type CommandSpec, defineCommand, noSuchCommand, outcome } from "./command.ts";

/** `/help`: the given commands, one line per form. */
export function helpText(commands: readonly CommandSpec[]): string {
  const lines = commands.flatMap((c) =>
    c.usage.map((u, i) => `- \`${u}\`${i === 0 ? ` — ${c.summary}` : ""}`),
  );
  return ["**Commands**", ...lines, "", "`/help <command>` explains one."].join("\n");
}

/** `/help <command>`: its forms and details. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `**/${spec.name}** — ${spec.summary}${spec.admin ? " (owners and admins only)" : ""}`,
    ...spec.usage.map((u) => `- \`${u}\``),
    "",
    spec.details,
  ].join("\n");
}

export const help = defineCommand({
  name: "help",
  usage: ["/help", "/help <command>"],
  summary: "List the commands you can run, or explain one",
  details: "Lists only the commands your role allows.",
  admin: false,
  scope: null,
  parse(a) {
    const topic = a.optionalWord();
    a.end();
    return { topic: topic ? topic.replace(/^\//, "").toLowerCase() : null };
  },
  async run(ctx, { topic }) {
    // The catalog lists this command, so it is loaded when /help runs rather than imported in a cycle.
    const { commandNamed, commandsFor } = await import("./catalog.ts");
    const custom = await customSpecs(ctx);
    if (!topic) return outcome(helpText([...commandsFor(ctx.access.role), ...custom]));
    const spec = commandNamed(topic) ?? custom.find((c) => c.name === topic);
    if (!spec) throw invalid(noSuchCommand(topic), "unknown_command");
    return outcome(commandHelp(spec));
  },
});

/** The community's own commands, which anyone in it may run; none in a DM, which has no community. */
async function customSpecs(ctx: CommandContext): Promise<CommandSpec[]> {
  const communityId = ctx.access.channel.communityId;
  if (!communityId) return [];
  const { customSpec, listSlashCommands } = await import("../slash-commands/manage.ts");
  return (await listSlashCommands(ctx.db, communityId)).map(customSpec);
}
