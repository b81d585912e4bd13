import { resolve } from "node:path";
import { checkMigrations } from "../db/migrate.ts";
import { AppError, invalid } from "../errors.ts";
import type { AdminArgs, AdminCommand } from "./command.ts";
import { auditCommand } from "./commands/audit.ts";
import { communityCommands } from "./commands/communities.ts";
import { exportCommand } from "./commands/export.ts";
import { claimCommand, importCommand } from "./commands/import.ts";
import { integrationCommands } from "./commands/integrations.ts";
import { inviteCommands } from "./commands/invites.ts";
import { maintenanceCommands } from "./commands/maintenance.ts";
import { slashCommandAdmin } from "./commands/slash-commands.ts";
import { tokenCommands } from "./commands/tokens.ts";
import { userCommands } from "./commands/users.ts";
import type { AdminDeps, AdminOutput } from "./deps.ts";
import { doctorOutput } from "./doctor.ts";

const doctorCommand: AdminCommand = {
  words: ["doctor"],
  usage: "doctor",
  run: (deps) => doctorOutput(deps.config, deps),
};

/** Every admin command; `ajet-chat admin help` lists their usage in this order. */
export const ADMIN_COMMANDS: AdminCommand[] = [
  ...maintenanceCommands,
  ...userCommands,
  ...tokenCommands,
  ...communityCommands,
  ...inviteCommands,
  ...slashCommandAdmin,
  ...integrationCommands,
  auditCommand,
  exportCommand,
  doctorCommand,
  importCommand,
  claimCommand,
];

export const adminUsage = () => ADMIN_COMMANDS.map((c) => `  ajet-chat admin ${c.usage}`).join("\n");

// These work on a database whose migrations are not applied yet.
const BEFORE_MIGRATIONS = new Set(["migrate", "doctor"]);

/** The command `argv` names and its arguments; a one-line usage error otherwise. */
export function findAdminCommand(argv: string[]): { command: AdminCommand; args: AdminArgs } {
  const command = ADMIN_COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w)).sort(
    (a, b) => b.words.length - a.words.length,
  )[0];
  if (!command) {
    const known = [...new Set(ADMIN_COMMANDS.map((c) => c.words[0]))].join(", ");
    throw invalid(`unknown admin command "${argv.slice(0, 2).join(" ")}"; one of: ${known}`, "usage");
  }
  const rest = argv.slice(command.words.length);
  const args: AdminArgs = { positionals: [], flags: {} };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (!arg.startsWith("--")) {
      args.positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!command.flags?.includes(name))
      throw invalid(`${command.words.join(" ")} takes no --${name}`, "usage");
    const value = inline ?? rest[++i];
    if (value === undefined) throw invalid(`--${name} needs a value`, "usage");
    args.flags[name] = value;
  }
  return { command, args };
}

/** `argv` with the command's file arguments made absolute against `cwd` (the shell's directory). */
export function withAbsoluteFiles(argv: string[], cwd: string): string[] {
  const { command, args } = findAdminCommand(argv);
  if (!command.localFiles?.length) return argv;
  const positionals = args.positionals.map((p, i) => (command.localFiles?.includes(i) ? resolve(cwd, p) : p));
  const flags = Object.entries(args.flags).map(([name, value]) => `--${name}=${value}`);
  return [...command.words, ...positionals, ...flags];
}

/** Runs one admin command against the deployment's resources. */
export async function runAdminCommand(deps: AdminDeps, argv: string[]): Promise<AdminOutput> {
  const { command, args } = findAdminCommand(argv);
  if (!BEFORE_MIGRATIONS.has(command.words[0] as string)) {
    const { pending } = await checkMigrations(deps.database.db);
    if (pending.length) {
      throw new AppError(
        "unavailable",
        "not_migrated",
        `the database lacks ${pending.length} migration(s): run ajet-chat admin migrate`,
      );
    }
  }
  return command.run(deps, args);
}
