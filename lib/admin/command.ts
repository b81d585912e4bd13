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
  /**
   * Positionals that name files on the box: the CLI makes them absolute before the command goes to
   * a running server, whose working directory is not the shell's.
   */
  localFiles?: number[];
  run(deps: AdminDeps, args: AdminArgs): Promise<AdminOutput>;
}
