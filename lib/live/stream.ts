import { presentedToken } from "../auth/authenticate.ts";
import { ApiClient } from "../client/api-client.ts";
import { unauthorized } from "../http/errors.ts";
import { requestUpstream, type Upstream } from "../http/proxy.ts";
import type { RequestContext } from "../http/router.ts";
import { openSse, type SseEvent } from "../http/sse.ts";
import type { LiveConnection, LiveHub, LiveItem } from "./hub.ts";

/** The caller's API client (their own token, the request's trace id) and who they are. */
export async function callerOf(req: Request, ctx: RequestContext, api: Upstream) {
  const token = presentedToken(req);
  if (!token) throw unauthorized();
  const client = new ApiClient((path, init) => requestUpstream(api, path, init), token, ctx.traceId);
  const me = await client.get<{ id: string; username: string }>("/api/me");
  return { client, me };
}

/** Open live streams of this process, by stream id, so a later POST can steer one (switch community). */
export class StreamRegistry {
  private readonly streams = new Map<string, { userId: string; conn: LiveConnection }>();
  add(id: string, userId: string, conn: LiveConnection) {
    this.streams.set(id, { userId, conn });
  }
  remove(id: string) {
    this.streams.delete(id);
  }
  /** The caller's own stream, or undefined: nobody steers another person's stream. */
  find(id: string, userId: string): LiveConnection | undefined {
    const found = this.streams.get(id);
    return found?.userId === userId ? found.conn : undefined;
  }
  get size() {
    return this.streams.size;
  }
}

/**
 * Opens one client's SSE stream on the hub: authenticates through the API with the caller's token,
 * resumes from `Last-Event-ID` (or `?since=`), and writes each item as `render` shapes it. The
 * stream ends when the client leaves, the hub ends it (access lost), or the process shuts down.
 */
export async function openLiveStream(options: {
  req: Request;
  ctx: RequestContext;
  hub: LiveHub;
  api: Upstream;
  registry: StreamRegistry;
  communitySlug: string | null;
  render(item: LiveItem, streamId: string): SseEvent | null;
}): Promise<Response> {
  const { req, ctx, hub, registry } = options;
  const { client, me } = await callerOf(req, ctx, options.api);
  const resumeFrom = req.headers.get("last-event-id") ?? ctx.url.searchParams.get("since");
  const lastEventId = resumeFrom && /^\d+$/.test(resumeFrom) ? Number(resumeFrom) : undefined;
  const streamId = Bun.randomUUIDv7();
  let conn: LiveConnection | undefined;
  const sse = openSse({
    signal: req.signal,
    onClose: () => {
      conn?.close();
      registry.remove(streamId);
    },
  });
  conn = await hub.connect({
    api: client,
    userId: me.id,
    communitySlug: options.communitySlug,
    lastEventId,
    deliver: (item) => {
      const event = options.render(item, streamId);
      if (event) sse.send(event);
      if (item.kind === "closed") sse.close();
    },
  });
  if (sse.closed) conn.close();
  else registry.add(streamId, me.id, conn);
  // Idle between events: this request must not time out.
  ctx.server?.timeout(req, 0);
  return sse.response;
}
