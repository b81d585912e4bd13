/** True when `err` (or what drizzle wrapped in it) is a unique violation of the named constraint. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown; errno?: unknown }).code ?? (e as { errno?: unknown }).errno;
    if ((code === "23505" || /duplicate key/.test(e.message)) && e.message.includes(constraint)) return true;
    if (code === "23505" && (e as { constraint?: string }).constraint === constraint) return true;
  }
  return false;
}

// Bun's PostgreSQL client's codes for a connection that failed or went away, and the server's
// SQLSTATEs for "not now": connection exceptions (08…), shutting down or starting (57P01–57P03), too
// many connections (53300).
const CLIENT_CONNECTION_CODES =
  /^ERR_POSTGRES_(CONNECTION_(REFUSED|CLOSED|TIMEOUT|FAILED)|IDLE_TIMEOUT|LIFETIME_TIMEOUT)/;
const SERVER_UNAVAILABLE_STATES = /^(08\w{3}|57P0[123]|53300)$/;

/**
 * True when `err` (or what drizzle wrapped in it) says the database could not be reached, as
 * opposed to refusing the query: the request may work again in a moment, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = String((e as { code?: unknown }).code ?? (e as { errno?: unknown }).errno ?? "");
    if (CLIENT_CONNECTION_CODES.test(code) || SERVER_UNAVAILABLE_STATES.test(code)) return true;
  }
  return false;
}
