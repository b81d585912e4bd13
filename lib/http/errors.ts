import { z } from "zod";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { AppError, type ErrorKind } from "../errors.ts";
import { log } from "../log.ts";
import { redactText } from "../redact.ts";

/** The one place where a kind of failure becomes an HTTP status. */
const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** The kind of failure an HTTP status stands for (the API client reading another service's answer). */
export function kindOfStatus(status: number): ErrorKind {
  const found = (Object.keys(STATUS) as ErrorKind[]).find((kind) => STATUS[kind] === status);
  if (found) return found;
  if (status === 502 || status === 504) return "unavailable";
  return status >= 500 ? "internal" : "invalid";
}

/**
 * A failure that only exists at the HTTP layer and needs its own status or headers (405 with
 * `Allow`, a 502 from a proxy hop, a CORS refusal with its `Vary`). Domain code never makes one.
 */
export class HttpError extends AppError {
  override name = "HttpError";
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(kindOfStatus(status), code, message);
  }
}

/** The HTTP status an error is answered with. */
export const statusOf = (err: AppError) => (err instanceof HttpError ? err.status : STATUS[err.kind]);

/** The uniform error body: `{ "error": { "code", "message" } }`. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** zod issues as one sentence naming the field, e.g. `body_md: Too small: expected string to have >=1 characters`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Invalid input found by zod, as the product's error. */
export const fromZodError = (error: z.ZodError) =>
  new AppError("invalid", "invalid_request", describeZodError(error));

function headersOf(err: AppError): Record<string, string> | undefined {
  const headers = { ...(err instanceof HttpError ? err.headers : undefined) };
  if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
  return Object.keys(headers).length ? headers : undefined;
}

/**
 * The single mapper from anything thrown to a Response. Unknown errors are logged with the trace id
 * (via the log context) and become a 500 that reveals nothing; a message that quotes what it was
 * given never quotes a token back.
 */
export function toResponse(err: unknown): Response {
  if (err instanceof z.ZodError) err = fromZodError(err);
  if (isDatabaseUnavailable(err)) {
    log.warn("database unavailable", { error: err instanceof Error ? err.message : String(err) });
    err = new AppError(
      "unavailable",
      "database_unavailable",
      "the database cannot be reached right now; try again shortly",
      5,
    );
  }
  if (err instanceof AppError) {
    return Response.json(errorBody(err.code, redactText(err.message)), {
      status: statusOf(err),
      headers: headersOf(err),
    });
  }
  log.error("unhandled error", {
    error: err instanceof Error ? err.message : String(err),
    // What a driver wrapped (drizzle's "Failed query" hides the database's own reason).
    cause: err instanceof Error && err.cause !== undefined ? describeCause(err.cause) : undefined,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return Response.json(errorBody("internal", "something went wrong on our side; it has been logged"), {
    status: 500,
  });
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return code === undefined ? cause.message : `${String(code)}: ${cause.message}`;
}
