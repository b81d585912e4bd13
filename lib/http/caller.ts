import { ApiClient } from "../client/api-client.ts";
import { unauthorized } from "../errors.ts";
import { requestUpstream, type Upstream } from "./proxy.ts";
import type { RequestContext } from "./router.ts";

/**
 * Who is calling a session manager, and their API client for calling the API on their behalf with
 * the request's trace id. The client carries the identity the gateway verified, so the API does not
 * look the credential up again; without one (no credential, or one the gateway refused) the caller
 * is not signed in, whatever token the request holds.
 */
export function callerOf(_req: Request, ctx: RequestContext, api: Upstream) {
  const identity = ctx.identity;
  if (!identity) throw unauthorized();
  const client = new ApiClient((path, init) => requestUpstream(api, path, init, identity), "", ctx.traceId);
  return { client, me: identity.user };
}

/** The caller's API client (see callerOf). */
export const clientOf = (req: Request, ctx: RequestContext, api: Upstream): ApiClient =>
  callerOf(req, ctx, api).client;
