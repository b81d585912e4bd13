import { UnreachableError } from "../../client/api-client.ts";
import { HttpError } from "../../http/errors.ts";

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
  if (err instanceof HttpError) return { code: exitCodeOf(err), message: httpMessage(err) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: EXIT.usage, message };
}

function exitCodeOf(err: HttpError): ExitCode {
  if (err.status === 401 || err.status === 403) return EXIT.auth;
  if (err.status === 404) return EXIT.notFound;
  if (err.status === 429) return EXIT.rateLimited;
  if (err.status === 502 || err.status === 503 || err.status === 504) return EXIT.unreachable;
  return EXIT.usage;
}

function httpMessage(err: HttpError) {
  if (err.status === 401) return `not signed in: ${err.message} (run ajet-chat login, or set AJET_TOKEN)`;
  if (err.status === 429) {
    const after = err.headers?.["Retry-After"];
    return `rate limited by the server${after ? `; try again in ${after} s` : ""}`;
  }
  return err.message;
}
