const wellFormed = /^[A-Za-z0-9_-]{8,64}$/;

/** The caller's X-Trace-Id when it is well-formed (8–64 url-safe characters), else a new one. */
export function traceIdFrom(req: Request): string {
  const given = req.headers.get("x-trace-id");
  return given && wellFormed.test(given) ? given : Bun.randomUUIDv7("base64url");
}
