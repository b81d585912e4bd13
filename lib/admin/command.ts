import type { AdminDeps, AdminOutput } from "./deps.ts";

/** The words after `ajet-chat admin <command…>`: positionals, and the flags given with values. */
export interface AdminArgs {
  positionals: string[];
  flags: Record<string, string | undefined>;
}

/** One admin command: the words that name it, its usage line, the flags it takes, what it does. */
export interface AdminCommand {
  words: string[];
  usage: string;
  flags?: string[];
  /** Positionals that name files on the admin's machine: made absolute before the command is sent to a server. */
  files?: number[];
  run(deps: AdminDeps, args: AdminArgs): Promise<AdminOutput>;
}
