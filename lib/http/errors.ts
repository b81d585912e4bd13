import { z } from "zod";
import { log } from "../log.ts";

/**
 * The one error type of every service. `code` is a stable snake_case word for programs, `message`
 * a sentence for people; both are sent to the client, so neither may carry internals.
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what = "resource") => new HttpError(404, "not_found", `${what} not found`);
export const unauthorized = () =>
  new HttpError(
    401,
    "unauthorized",
    "sign in first: send a session cookie or an Authorization: Bearer token",
  );
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);
export const conflict = (message: string) => new HttpError(409, "conflict", message);
export const badRequest = (message: string, code = "invalid_request") => new HttpError(400, code, message);

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

/**
 * The single mapper from anything thrown to a Response. Unknown errors are logged with the trace id
 * (via the log context) and become a 500 that reveals nothing.
 */
export function toResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return Response.json(errorBody(err.code, err.message), { status: err.status, headers: err.headers });
  }
  if (err instanceof z.ZodError) {
    return Response.json(errorBody("invalid_request", describeZodError(err)), { status: 400 });
  }
  log.error("unhandled error", {
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return Response.json(errorBody("internal", "something went wrong on our side; it has been logged"), {
    status: 500,
  });
}
