import { CliError, EXIT } from "./errors.ts";

/** A flag a command accepts: boolean (present or not) or taking one value. */
export interface FlagSpec {
  type: "boolean" | "string";
  /** One-letter alias, e.g. `q` for `-q`. */
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: FlagSpecs = {
  json: { type: "boolean" },
  profile: { type: "string" },
  community: { type: "string", short: "c" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/**
 * Splits argv into positionals and flags: `--name value`, `--name=value`, `-x value`, `-q`, and `--`
 * ending the flags. A flag the command does not know, or one missing its value, is a usage error.
 */
export function parseArgs(argv: string[], specs: FlagSpecs): ParsedArgs {
  const all = { ...GLOBAL_FLAGS, ...specs };
  const byShort = new Map(
    Object.entries(all)
      .filter(([, s]) => s.short)
      .map(([name, s]) => [s.short as string, name]),
  );
  const positionals: string[] = [];
  const flags: ParsedArgs["flags"] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone "-" is a positional (stdin or stdout, by convention), as is a negative number.
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const rawName = arg.startsWith("--") ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1);
    const name = arg.startsWith("--") ? rawName : byShort.get(rawName);
    const spec = name === undefined ? undefined : all[name];
    if (name === undefined || spec === undefined) {
      throw new CliError(EXIT.usage, `unknown option ${arg.split("=")[0]}`);
    }
    if (spec.type === "boolean") {
      if (eq > 0) throw new CliError(EXIT.usage, `--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new CliError(EXIT.usage, `--${name} needs a value`);
    flags[name] = value;
  }
  return { positionals, flags };
}

/** A flag's value as a positive whole number, or the default. */
export function intFlag(flags: ParsedArgs["flags"], name: string, fallback: number, max = 1000): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new CliError(EXIT.usage, `--${name} must be a whole number from 1 to ${max}`);
  }
  return n;
}

export const stringFlag = (flags: ParsedArgs["flags"], name: string): string | undefined => {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
};
