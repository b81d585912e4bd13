import type { Envelope } from "../bus/envelope.ts";
import type { BusMessage } from "../bus/event-bus.ts";
import { type Conn, learn } from "./connection.ts";

// The events that take someone out of a community: their connections there end.
const REMOVALS = new Set(["member.removed", "member.kicked", "member.banned"]);

/**
 * A public channel's traffic (its messages and reactions) reaches the people who joined it, and
 * streams showing it: someone who has not joined needs no live copy (no client counts unread for a
 * channel it has not joined, and the sidebar lists joined channels only). Its other events (created,
 * renamed, who joined) still reach the whole community, for the channel lists.
 */
const isTraffic = (type: string) => type.startsWith("message.") || type.startsWith("reaction.");

/** What routing may ask of the hub: re-reading a connection's access, ending a connection. */
export interface RouteHooks {
  refresh(conn: Conn): void;
  end(conn: Conn, reason: string): void;
}

/**
 * Whether an event reaches this connection's reader. The reader is checked, not the subject alone:
 * community events reach people shown that community, an event of a private channel or DM only
 * those in its `audience` (or, for typing, in the channel as last fetched).
 */
export function reaches(conn: Conn, m: BusMessage, hooks: RouteHooks): boolean {
  const [, kind, a, b] = m.subject.split(".");
  const { event } = m;
  switch (kind) {
    case "events": {
      if (a !== conn.community?.id) return false;
      const about = event.data.user_id;
      if (about === conn.userId && REMOVALS.has(event.type)) {
        queueMicrotask(() => hooks.end(conn, "removed from the community"));
        return true;
      }
      const ok = mayReadChannelEvent(conn, event, hooks);
      if (about === conn.userId && event.type.startsWith("channel.member_")) hooks.refresh(conn);
      return ok;
    }
    case "dm":
      return mayReadChannelEvent(conn, event, hooks);
    case "notifications":
      if (a !== conn.userId) return false;
      if (event.type === "user.deactivated") queueMicrotask(() => hooks.end(conn, "account deactivated"));
      return true;
    case "typing":
      if (event.actor_id === conn.userId) return false;
      if (a === "dm") return b !== undefined && conn.privateChannels.has(b);
      return (
        a === conn.community?.id &&
        b !== undefined &&
        // A channel watched counts only if it is public: watching names no private channel in.
        (conn.joined.has(b) ||
          (conn.watching.has(b) && conn.publicChannels.has(b)) ||
          conn.privateChannels.has(b))
      );
    default:
      return false;
  }
}

/** Whether an event of a channel reaches this connection (and what it teaches about membership). */
function mayReadChannelEvent(conn: Conn, event: Envelope, hooks: RouteHooks): boolean {
  const channelId = event.channel_id;
  const audience = event.data.audience;
  if (Array.isArray(audience)) {
    if (!channelId) return audience.includes(conn.userId);
    if (audience.includes(conn.userId)) {
      // Someone who just left hears of it, as the last event of that channel they get.
      const left = event.type === "channel.member_left" && event.data.user_id === conn.userId;
      learn(conn, channelId, !left);
      return true;
    }
    learn(conn, channelId, false);
    return false;
  }
  if (!channelId) return true;
  if (event.type === "channel.created") {
    conn.publicChannels.add(channelId);
    // Its creator is its first member.
    if (event.actor_id === conn.userId) learn(conn, channelId, true, "joined");
    return true;
  }
  if (conn.publicChannels.has(channelId)) {
    if (event.data.user_id === conn.userId) {
      if (event.type === "channel.member_joined") learn(conn, channelId, true, "joined");
      else if (event.type === "channel.member_left") learn(conn, channelId, false, "joined");
    }
    return !isTraffic(event.type) || conn.joined.has(channelId) || conn.watching.has(channelId);
  }
  // A channel this connection has not heard of and that names no audience: refetch, never guess.
  hooks.refresh(conn);
  return false;
}
