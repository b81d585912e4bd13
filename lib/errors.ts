/**
 * What went wrong, in the domain's words. Each kind is one HTTP status (`lib/http/errors.ts` is the
 * only place that knows which) and one CLI exit code (`lib/terminal/cli/errors.ts`).
 */
export type ErrorKind =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "gone"
  | "too_large"
  | "rate_limited"
  | "unavailable"
  | "internal";

/**
 * The one error type of the product. `code` is a stable snake_case word for programs, `message` a
 * sentence for people; both reach the client, so neither may carry internals or secrets.
 */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** For `rate_limited` and `unavailable`: when trying again makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A failure the caller's own request caused (as opposed to ours or a dependency's). */
export const isCallerError = (err: unknown): err is AppError =>
  err instanceof AppError && err.kind !== "internal" && err.kind !== "unavailable";

export const isKind = (err: unknown, ...kinds: ErrorKind[]): err is AppError =>
  err instanceof AppError && kinds.includes(err.kind);

export const notFound = (what = "resource", code = "not_found") =>
  new AppError("not_found", code, `${what} not found`);
export const unauthorized = (
  message = "sign in first: send a session cookie or an Authorization: Bearer token",
) => new AppError("unauthorized", "unauthorized", message);
export const forbidden = (message: string, code = "forbidden") => new AppError("forbidden", code, message);
export const conflict = (message: string, code = "conflict") => new AppError("conflict", code, message);
export const invalid = (message: string, code = "invalid_request") => new AppError("invalid", code, message);
export const gone = (code: string, message: string) => new AppError("gone", code, message);
export const tooLarge = (message: string, code = "payload_too_large") =>
  new AppError("too_large", code, message);
export const rateLimited = (message: string, retryAfterSeconds: number, code = "rate_limited") =>
  new AppError("rate_limited", code, message, retryAfterSeconds);
