import type { Principal } from "../auth/authenticate.ts";
import type { SharedChannels } from "../live/community-channels.ts";
import type { LiveContext } from "../live/context.ts";
import type { LiveConnection, LiveHub, LiveItem } from "../live/hub.ts";
import type { StreamLimits } from "../live/stream-limits.ts";
import type { StreamRegistry } from "../live/stream-registry.ts";
import { callerOf } from "./caller.ts";
import type { Upstream } from "./proxy.ts";
import type { RequestContext } from "./router.ts";
import { openSse, type SseEvent, type SseStream } from "./sse.ts";

/**
 * One stream's SSE side. Built outside openLiveStream's async frame, whose variables (the request,
 * its URL and headers) would otherwise live as long as the stream, held by its callbacks; a class,
 * so that its methods are not made again for every stream. It is the SSE stream's options too:
 * its `signal`, and `onClose` when the stream ends.
 */
class StreamSink {
  readonly sse: SseStream;
  /** What the hub calls with each item (a function of its own: the hub calls it on the connection). */
  readonly deliver: (item: LiveItem) => void;
  private conn: LiveConnection | undefined;

  constructor(
    readonly signal: AbortSignal,
    private readonly streamId: string,
    private readonly registry: StreamRegistry,
    private readonly render: (item: LiveItem, streamId: string) => SseEvent | SseEvent[] | null,
    private readonly release: () => void,
  ) {
    this.sse = openSse(this);
    this.deliver = (item) => this.send(item);
  }

  onClose() {
    this.conn?.close();
    this.registry.remove(this.streamId);
    this.release();
  }

  private send(item: LiveItem) {
    const events = this.render(item, this.streamId);
    for (const event of Array.isArray(events) ? events : events ? [events] : []) this.sse.send(event);
    if (item.kind === "closed") this.sse.close();
  }

  attach(c: LiveConnection) {
    this.conn = c;
    if (this.sse.closed) c.close();
    else this.registry.add(this.streamId, c.userId, c);
  }
}

/**
 * Opens one client's SSE stream on the hub, if the caller and this process have room for one more
 * (429 and 503 otherwise): the hub's one API call as the caller says what they may see (a bad
 * token is its 401). It resumes from `Last-Event-ID` (or `?since=`) and writes each item as
 * `render` shapes it. The stream ends when the client leaves, the hub ends it (access lost), or
 * the process shuts down.
 */
export async function openLiveStream(options: {
  req: Request;
  ctx: RequestContext;
  hub: LiveHub;
  api: Upstream;
  registry: StreamRegistry;
  limits: StreamLimits;
  communitySlug: string | null;
  render(item: LiveItem, streamId: string): SseEvent | SseEvent[] | null;
  /** Ask for the reader's unread counts, handed to `onContext` with the rest of what the API says. */
  unread?: boolean;
  /** Channels the client shows (at most a few): their messages reach it though its reader has not joined them. */
  watch?: string[];
  onContext?(context: LiveContext, seq: number, channels: SharedChannels | null): void;
}): Promise<Response> {
  const { req, ctx } = options;
  const { client, me } = callerOf(req, ctx, options.api);
  const release = options.limits.admit(me.id);
  const resumeFrom = req.headers.get("last-event-id") ?? ctx.url.searchParams.get("since");
  const lastEventId = resumeFrom && /^\d+$/.test(resumeFrom) ? Number(resumeFrom) : undefined;
  const sink = new StreamSink(req.signal, Bun.randomUUIDv7(), options.registry, options.render, release);
  try {
    sink.attach(
      await options.hub.connect({
        api: client,
        communitySlug: options.communitySlug,
        lastEventId,
        deliver: sink.deliver,
        unread: options.unread,
        watch: options.watch,
        readerKey: readerKeyOf(ctx.identity),
        onContext: options.onContext,
      }),
    );
  } catch (err) {
    // Refused (bad token, not a member): the error is the answer, and the unsent stream stops its heartbeat.
    sink.sse.close();
    throw err;
  }
  // Idle between events: this request must not time out.
  ctx.server?.timeout(req, 0);
  return sink.sse.response;
}

/**
 * Streams opening at once with the same key share one read of their access. Every session of a
 * person sees what that person sees (the gateway checked the session before the stream got here),
 * so a storm of one person's tabs and terminals is one read; a token may carry narrower scopes, so
 * it shares only with itself.
 */
export function readerKeyOf(identity: Principal | null | undefined) {
  if (!identity) return undefined;
  return identity.via === "session" ? `user:${identity.user.id}` : `token:${identity.credentialId}`;
}
