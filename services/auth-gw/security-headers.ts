const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // The pages' own <style> blocks; no script may be inline.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");
const STRICTER_REFERRER = new Set(["same-origin", "no-referrer"]);

/**
 * The headers every answer of the door carries. An upstream's own CSP is kept and ours added
 * beside it: a browser enforces both, so a stricter one (attachments send `default-src 'none';
 * sandbox`) stays strict and a looser one cannot undo ours. An answer to a request that carried a
 * credential is never stored by any cache.
 */
export function addSecurityHeaders(res: Response, options: { https: boolean; credentialed: boolean }) {
  const h = res.headers;
  const upstreamCsp = h.get("content-security-policy");
  if (upstreamCsp !== CSP) {
    if (upstreamCsp) h.append("Content-Security-Policy", CSP);
    else h.set("Content-Security-Policy", CSP);
  }
  h.set("X-Content-Type-Options", "nosniff");
  if (!STRICTER_REFERRER.has(h.get("referrer-policy") ?? "")) h.set("Referrer-Policy", "same-origin");
  if (options.https) h.set("Strict-Transport-Security", "max-age=31536000");
  if (options.credentialed && !/\bno-store\b/i.test(h.get("cache-control") ?? "")) {
    h.set("Cache-Control", "private, no-store");
  }
}
