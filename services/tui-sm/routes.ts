import { z } from "zod";
import type { Envelope } from "../../lib/bus/envelope.ts";
import { notFound } from "../../lib/errors.ts";
import { readJson } from "../../lib/http/body.ts";
import { callerOf } from "../../lib/http/caller.ts";
import { toResponse } from "../../lib/http/errors.ts";
import { ELSEWHERE_HEADER } from "../../lib/http/internal-hop.ts";
import { openLiveStream } from "../../lib/http/live-stream.ts";
import { route } from "../../lib/http/router.ts";
import type { SessionManagerDeps } from "../../lib/http/session-manager-deps.ts";
import type { SseEvent } from "../../lib/http/sse.ts";
import { MAX_WATCHED } from "../../lib/live/connection.ts";
import type { LiveItem } from "../../lib/live/hub.ts";
import { doPublishTyping, typingBody } from "../../lib/live/typing.ts";

/** The terminal session manager's dependencies: those of every session manager. */
export type TuiDeps = SessionManagerDeps;

// An event reaches every stream of its readers at once: each gets the same SSE event, which is then
// serialized and encoded once (lib/http/sse.ts).
const shared = new WeakMap<Envelope, SseEvent>();
function eventOf(event: Envelope, seq: number | undefined): SseEvent {
  const known = shared.get(event);
  if (known && known.id === seq) return known;
  const made = { event: event.type, id: seq, data: event };
  shared.set(event, made);
  return made;
}

/** A hub item as one JSON SSE event: the envelope's type as the event name, the bus seq as its id. */
function renderJson(item: LiveItem, streamId: string): SseEvent | null {
  switch (item.kind) {
    case "ready":
      return { event: "ready", id: item.seq, data: { stream_id: streamId, seq: item.seq } };
    case "event":
      return eventOf(item.event, item.seq);
    case "presence":
      return { event: "presence", data: { changes: item.changes } };
    case "resync":
      return { event: "resync", data: { reason: item.reason } };
    case "closed":
      return { event: "closed", data: { reason: item.reason } };
  }
}

/** Every route of the TUI session manager. */
export function tuiRoutes(deps: TuiDeps) {
  const { config, bus, api, hub, streams, limits } = deps;
  return [
    route("GET", "/tui/healthz", () => Response.json({ ok: true, service: "tui-sm" })),
    route("GET", "/tui/events", (req, ctx) =>
      openLiveStream({
        req,
        ctx,
        hub,
        api,
        registry: streams,
        limits,
        communitySlug: ctx.url.searchParams.get("community"),
        // `channel=<id>` (repeatable): channels shown whose messages the client wants though its
        // reader has not joined them (`tail --follow` of a public channel).
        watch: ctx.url.searchParams.getAll("channel"),
        render: renderJson,
      }),
    ),
    route("POST", "/tui/community", async (req, ctx) => {
      const { me } = callerOf(req, ctx, api);
      const body = await readJson(
        req,
        z.object({ stream_id: z.string().min(1), community: z.string().min(1).nullable() }),
        config.limits.maxBodyBytes,
      );
      const conn = streams.find(body.stream_id, me.id);
      if (!conn) return notHere();
      await conn.setCommunity(body.community);
      return Response.json({ stream_id: body.stream_id, community_id: conn.communityId });
    }),
    route("POST", "/tui/watch", async (req, ctx) => {
      const { me } = callerOf(req, ctx, api);
      const body = await readJson(
        req,
        z.object({ stream_id: z.string().min(1), channels: z.array(z.uuid()).max(MAX_WATCHED) }),
        config.limits.maxBodyBytes,
      );
      const conn = streams.find(body.stream_id, me.id);
      if (!conn) return notHere();
      // Nothing is read here: an event still reaches the stream only if its reader may read it.
      conn.watch(body.channels);
      return new Response(null, { status: 204 });
    }),
    route("POST", "/tui/typing", async (req, ctx) => {
      const { client, me } = callerOf(req, ctx, api);
      const body = await readJson(req, typingBody, config.limits.maxBodyBytes);
      await doPublishTyping(bus, client, me.id, body);
      return new Response(null, { status: 204 });
    }),
  ];
}

/**
 * A stream this instance does not hold: a 404, marked so that a gateway spreading requests over
 * several session managers asks the next one (the stream may be open there).
 */
function notHere() {
  const res = toResponse(notFound("stream"));
  res.headers.set(ELSEWHERE_HEADER, "1");
  return res;
}
