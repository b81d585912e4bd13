import { COMMANDS } from "../../commands/catalog.ts";
import { invalid, notFound } from "../../errors.ts";
import { deliveryView, readDeliveries } from "../../integrations/delivery-log.ts";
import {
  doCreateSlashCommand,
  doDeleteSlashCommand,
  findSlashCommand,
  listSlashCommands,
} from "../../slash-commands/manage.ts";
import type { AdminCommand } from "../command.ts";
import { adminActor, findCommunity } from "../deps.ts";

const nameOf = (given: string | undefined) => {
  if (!given) throw invalid("name the command, e.g. /deploy", "usage");
  return given.replace(/^\//, "").toLowerCase();
};

/** `ajet-chat admin commands …`: a community's custom slash commands, from a shell on the box. */
export const slashCommandAdmin: AdminCommand[] = [
  {
    words: ["commands", "list"],
    usage: "commands list --community C",
    flags: ["community"],
    async run(deps, { flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const rows = await listSlashCommands(deps.database.db, community.id);
      return {
        rows: rows.map((c) => ({
          name: `/${c.name}`,
          url: c.url,
          description: c.description,
          usage_hint: c.usageHint,
          created_at: c.createdAt.toISOString(),
        })),
      };
    },
  },
  {
    words: ["commands", "create"],
    usage: "commands create </name> <url> --community C [--description D] [--usage HINT]",
    flags: ["community", "description", "usage"],
    async run(deps, { positionals, flags }) {
      const [name, url] = positionals;
      if (!url) throw invalid("give the command's name and URL: commands create /deploy https://…", "usage");
      const community = await findCommunity(deps.database.db, flags.community);
      const created = await doCreateSlashCommand(
        deps.database.db,
        null,
        community.id,
        { name: nameOf(name), url, description: flags.description, usageHint: flags.usage },
        COMMANDS.map((c) => c.name),
        adminActor(deps),
      );
      return {
        message: [
          `/${created.command.name} in ${community.slug} calls ${created.command.url}`,
          `signing secret (shown only now): ${created.signing_secret}`,
          `verification token: ${created.verification_token}`,
        ].join("\n"),
      };
    },
  },
  {
    words: ["commands", "delete"],
    usage: "commands delete </name> --community C",
    flags: ["community"],
    async run(deps, { positionals, flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const name = nameOf(positionals[0]);
      await doDeleteSlashCommand(deps.database.db, null, community.id, name, adminActor(deps));
      return { message: `/${name} is deleted from ${community.slug}` };
    },
  },
  {
    words: ["commands", "log"],
    usage: "commands log </name> --community C",
    flags: ["community"],
    async run(deps, { positionals, flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const command = await findSlashCommand(deps.database.db, community.id, nameOf(positionals[0]));
      if (!command) throw notFound(`/${nameOf(positionals[0])}`, "no_such_command");
      return {
        rows: (await readDeliveries(deps.database.db, command.id)).map((d) => {
          const { id: _id, kind: _kind, ...shown } = deliveryView(d);
          return shown;
        }),
      };
    },
  },
];
