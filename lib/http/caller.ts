import { presentedToken } from "../auth/authenticate.ts";
import { ApiClient } from "../client/api-client.ts";
import { unauthorized } from "../errors.ts";
import { requestUpstream, type Upstream } from "./proxy.ts";
import type { RequestContext } from "./router.ts";

/** The caller's API client, for a session manager calling the API on their behalf: their own token, the request's trace id. */
export function clientOf(req: Request, ctx: RequestContext, api: Upstream): ApiClient {
  const token = presentedToken(req);
  if (!token) throw unauthorized();
  return new ApiClient((path, init) => requestUpstream(api, path, init), token, ctx.traceId);
}

/** The caller's API client and who they are. */
export async function callerOf(req: Request, ctx: RequestContext, api: Upstream) {
  const client = clientOf(req, ctx, api);
  const me = await client.get<{ id: string; username: string }>("/api/me");
  return { client, me };
}
