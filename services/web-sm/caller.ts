import { isCallerError, isKind } from "../../lib/errors.ts";
import { statusOf } from "../../lib/http/errors.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import { localPath } from "../../lib/http/local-path.ts";
import type { Handler } from "../../lib/http/router.ts";
import { errorPage } from "./views/pages.ts";

/** A redirect with a short page of its own, for clients that do not follow it. */
export const redirect = (location: string, status = 303) =>
  htmlResponse(html`<!doctype html><title>Moved</title><p><a href="${location}">Continue</a></p>`, status, {
    Location: location,
  });

/**
 * A page handler: a person who is not signed in (or whose session ended) goes to the sign-in page
 * and comes back here after; other errors are drawn as a page, not JSON.
 */
export function page(handler: Handler): Handler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (err) {
      if (isKind(err, "unauthorized")) {
        return redirect(`/login?next=${encodeURIComponent(localPath(ctx.url.pathname + ctx.url.search))}`);
      }
      if (isCallerError(err)) return htmlResponse(errorPage(statusOf(err), err.message), statusOf(err));
      throw err;
    }
  };
}

/** A form's fields as strings (htmx and plain forms post urlencoded or multipart). */
export async function formOf(req: Request): Promise<Record<string, string>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("form")) {
    if (type.includes("json")) return (await req.json()) as Record<string, string>;
    return {};
  }
  const form = await req.formData();
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") out[k] = v;
  return out;
}
