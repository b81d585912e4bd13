import { UnreachableError } from "../../client/api-client.ts";
import { AppError, type ErrorKind } from "../../errors.ts";

/** The exit codes `ajet-chat --help` documents; scripts depend on them, so they never change. */
export const EXIT = {
  ok: 0,
  usage: 1,
  auth: 2,
  notFound: 3,
  unreachable: 4,
  rateLimited: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains in one line and exits with `code`. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** Any failure as the exit code and the one line for stderr. */
export function describeFailure(err: unknown): { code: ExitCode; message: string } {
  if (err instanceof CliError) return { code: err.code, message: err.message };
  if (err instanceof UnreachableError) return { code: EXIT.unreachable, message: err.message };
  if (err instanceof AppError) return { code: EXIT_OF_KIND[err.kind] ?? EXIT.usage, message: messageOf(err) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: EXIT.usage, message };
}

const EXIT_OF_KIND: Partial<Record<ErrorKind, ExitCode>> = {
  unauthorized: EXIT.auth,
  forbidden: EXIT.auth,
  not_found: EXIT.notFound,
  rate_limited: EXIT.rateLimited,
  unavailable: EXIT.unreachable,
};

function messageOf(err: AppError) {
  if (err.kind === "unauthorized")
    return `not signed in: ${err.message} (run ajet-chat login, or set AJET_TOKEN)`;
  if (err.kind === "rate_limited") {
    const after = err.retryAfterSeconds;
    return `rate limited by the server${after !== undefined ? `; try again in ${after} s` : ""}`;
  }
  return err.message;
}
