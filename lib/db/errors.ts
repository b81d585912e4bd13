/** True when `err` (or what drizzle wrapped in it) is a unique violation of the named constraint. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown; errno?: unknown }).code ?? (e as { errno?: unknown }).errno;
    if ((code === "23505" || /duplicate key/.test(e.message)) && e.message.includes(constraint)) return true;
    if (code === "23505" && (e as { constraint?: string }).constraint === constraint) return true;
  }
  return false;
}
