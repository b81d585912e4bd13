import { loadClientConfig } from "../../config.ts";
import { showControls } from "../../control-chars.ts";
import { parseArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { Context } from "./context.ts";
import { CliError, describeFailure, EXIT } from "./errors.ts";

type Loader = () => Promise<Command>;

// Each command's module loads only when it runs.
const COMMANDS: Record<string, Loader> = {
  login: () => import("./commands/account.ts").then((m) => m.login),
  logout: () => import("./commands/account.ts").then((m) => m.logout),
  whoami: () => import("./commands/account.ts").then((m) => m.whoami),
  sessions: () => import("./commands/account.ts").then((m) => m.sessions),
  profile: () => import("./commands/profile.ts").then((m) => m.profile),
  communities: () => import("./commands/browse.ts").then((m) => m.communities),
  channels: () => import("./commands/browse.ts").then((m) => m.channels),
  dms: () => import("./commands/browse.ts").then((m) => m.dms),
  members: () => import("./commands/browse.ts").then((m) => m.members),
  presence: () => import("./commands/browse.ts").then((m) => m.presence),
  send: () => import("./commands/messages.ts").then((m) => m.send),
  reply: () => import("./commands/messages.ts").then((m) => m.reply),
  dm: () => import("./commands/messages.ts").then((m) => m.dm),
  read: () => import("./commands/messages.ts").then((m) => m.read),
  thread: () => import("./commands/messages.ts").then((m) => m.thread),
  react: () => import("./commands/messages.ts").then((m) => m.react),
  edit: () => import("./commands/messages.ts").then((m) => m.edit),
  delete: () => import("./commands/messages.ts").then((m) => m.remove),
  tail: () => import("./commands/tail.ts").then((m) => m.tail),
  upload: () => import("./commands/files.ts").then((m) => m.upload),
  download: () => import("./commands/files.ts").then((m) => m.download),
  open: () => import("./commands/files.ts").then((m) => m.open),
  search: () => import("./commands/search.ts").then((m) => m.search),
  notifications: () => import("./commands/search.ts").then((m) => m.notifications),
  pins: () => import("./commands/pins.ts").then((m) => m.pins),
  pin: () => import("./commands/pins.ts").then((m) => m.pin),
  unpin: () => import("./commands/pins.ts").then((m) => m.unpin),
  saved: () => import("./commands/pins.ts").then((m) => m.saved),
  save: () => import("./commands/pins.ts").then((m) => m.save),
  unsave: () => import("./commands/pins.ts").then((m) => m.unsave),
  link: () => import("./commands/people.ts").then((m) => m.link),
  whois: () => import("./commands/people.ts").then((m) => m.whois),
  notify: () => import("./commands/notify.ts").then((m) => m.notify),
  dnd: () => import("./commands/notify.ts").then((m) => m.dnd),
  run: () => import("./commands/slash.ts").then((m) => m.run),
  webhook: () => import("./commands/slash.ts").then((m) => m.webhook),
  webhooks: () => import("./commands/webhooks.ts").then((m) => m.webhooks),
  token: () => import("./commands/slash.ts").then((m) => m.token),
  audit: () => import("./commands/audit.ts").then((m) => m.audit),
  scheduled: () => import("./commands/scheduled.ts").then((m) => m.scheduled),
  export: () => import("./commands/export.ts").then((m) => m.exportMine),
  subscriptions: () => import("./commands/subscriptions.ts").then((m) => m.subscriptions),
  outgoing: () => import("./commands/slash.ts").then((m) => m.outgoing),
};

export const isCliCommand = (name: string) => Object.hasOwn(COMMANDS, name);

/**
 * Runs one CLI command and exits with its code. Every failure is one line on stderr; the code says
 * which kind (see `ajet-chat --help`).
 */
export async function runCli(name: string, argv: string[]): Promise<void> {
  // A reader that went away (`| head`) is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(EXIT.ok);
  });
  try {
    const load = COMMANDS[name];
    if (!load) throw new CliError(EXIT.usage, `unknown command "${name}"; see ajet-chat --help`);
    const command = await load();
    const args = parseArgs(argv, command.flags ?? {});
    if (args.flags.help) {
      process.stdout.write(`usage: ajet-chat ${command.usage}\n`);
      process.exit(EXIT.ok);
    }
    const ctx = new Context(args, loadClientConfig(), { stdoutIsTty: process.stdout.isTTY === true });
    await command.run(ctx);
    process.exitCode = EXIT.ok;
  } catch (err) {
    const { code, message } = describeFailure(err);
    // The server's message may quote what someone typed: shown, never obeyed.
    process.stderr.write(`ajet-chat: ${showControls(message.split("\n")[0] ?? "")}\n`);
    process.exitCode = code;
  }
}
