import { isCallerError, isKind } from "../../lib/errors.ts";
import { statusOf } from "../../lib/http/errors.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import { localPath } from "../../lib/http/local-path.ts";
import type { Handler, RequestContext } from "../../lib/http/router.ts";
import { redirect } from "./forms.ts";
import { errorPage } from "./views/pages.ts";

// How the web client shows a failure: the two mappers, one for pages and one for htmx actions. Only
// failures of the person's own request are drawn; ours (and a dependency's) stay the service's 500.

// The return address is checked here too, though /login checks it again: it is only ever a path of ours.
const signIn = (path: string) => `/login?next=${encodeURIComponent(localPath(path))}`;

/** What the person is told when their request failed in a way they can fix. */
export interface Failure {
  message: string;
  status: number;
}

/** Draws the page a failed form came from again, with the message, the form kept as it was filled. */
export type Again = (req: Request, ctx: RequestContext, failure: Failure) => Promise<Response>;

/** A failed page: to sign in and back when the session ended, an error page for what the person can fix. */
function pageFailure(err: unknown, ctx: RequestContext): Response {
  if (isKind(err, "unauthorized")) return redirect(signIn(ctx.url.pathname + ctx.url.search));
  if (!isCallerError(err)) throw err;
  return htmlResponse(errorPage(statusOf(err), err.message), statusOf(err));
}

/**
 * A page, or a plain form answered by one. A failure the person can fix is drawn as the page they
 * were on again, with the message, when the route has one (`again`), else as an error page.
 */
export function page(handler: Handler, again?: Again): Handler {
  return async (req, ctx) => {
    const copy = again && req.method !== "GET" ? (req.clone() as Request) : req;
    try {
      return await handler(req, ctx);
    } catch (err) {
      if (!again || !isCallerError(err) || err.kind === "unauthorized") return pageFailure(err, ctx);
      return again(copy, ctx, { message: err.message, status: statusOf(err) }).catch((e) =>
        pageFailure(e, ctx),
      );
    }
  };
}

/**
 * An htmx action or fragment. The session ended: the whole page goes to sign in. A failure the
 * person can fix: its message, which htmx swaps where the element that asked shows errors (a form
 * says where with `hx-status:4xx`).
 */
export function action(handler: Handler): Handler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (err) {
      if (isKind(err, "unauthorized")) {
        const from = new URL(req.headers.get("hx-current-url") ?? "/", ctx.url);
        return new Response(null, {
          status: 204,
          headers: { "HX-Redirect": signIn(from.pathname + from.search) },
        });
      }
      if (!isCallerError(err)) throw err;
      return htmlResponse(html`${err.message}`, statusOf(err));
    }
  };
}
