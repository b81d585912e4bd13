import type { FlagSpecs } from "./args.ts";
import type { Context } from "./context.ts";

/** One CLI command: its usage line (for `<command> --help` and usage errors), flags and action. */
export interface Command {
  usage: string;
  flags?: FlagSpecs;
  run(ctx: Context): Promise<void>;
}
