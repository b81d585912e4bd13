import type { Envelope } from "../bus/envelope.ts";
import type { BusMessage, EventBus } from "../bus/event-bus.ts";
import type { ApiClient } from "../client/api-client.ts";
import { isKind } from "../errors.ts";
import { log } from "../log.ts";
import { isOnline } from "../users/views.ts";
import type { LiveContext } from "./context.ts";

/** What a session manager pushes to one client; each SM renders it its own way (JSON, HTML). */
export type LiveItem =
  | { kind: "ready"; seq: number }
  | { kind: "event"; seq?: number; subject: string; event: Envelope }
  | { kind: "presence"; changes: { user_id: string; online: boolean }[] }
  | { kind: "resync"; reason: string }
  | { kind: "closed"; reason: string };

export interface ConnectOptions {
  /** The reader's API client: who they are is what the API says their token is. */
  api: ApiClient;
  /** The community shown (by slug), or null for DMs only. */
  communitySlug: string | null;
  /** The last event id the client saw (SSE Last-Event-ID), to resume from. */
  lastEventId?: number;
  deliver(item: LiveItem): void;
  /** The hub ended the connection (access lost, or shutdown). */
  onClose?(reason: string): void;
  /** Ask the API for the reader's unread counts with what they may see (`LiveContext.unread`). */
  unread?: boolean;
  /**
   * What the API said about the reader, each time it is read (at connect, before any item is
   * delivered, and after changes of their access), with the bus position it is at least as new as.
   */
  onContext?(context: LiveContext, seq: number): void;
}

export interface LiveConnection {
  readonly id: number;
  readonly userId: string;
  readonly communityId: string | null;
  /** Switches the shown community without reconnecting. */
  setCommunity(slug: string | null): Promise<void>;
  close(): void;
}

export interface LiveHub {
  connect(options: ConnectOptions): Promise<LiveConnection>;
  readonly size: number;
  /** Sends each connection the presence changes of people relevant to it since the last flush. */
  flushPresence(): void;
  stop(): Promise<void>;
}

interface Conn extends LiveConnection {
  /** Empty until the first context arrives. */
  userId: string;
  api: ApiClient;
  community: { id: string; slug: string } | null;
  /** Public channels of the shown community. */
  publicChannels: Set<string>;
  /** Private channels and DMs the user is in (any community). */
  privateChannels: Set<string>;
  /** People whose presence this client cares about. */
  relevant: Set<string>;
  sentPresence: Map<string, boolean>;
  lastSeq: number;
  /** Live events held back while a resume replays what was missed. */
  held: BusMessage[] | null;
  refreshing: Promise<unknown> | null;
  deliver(item: LiveItem): void;
  onClose?(reason: string): void;
  unread: boolean;
  onContext?(context: LiveContext, seq: number): void;
  closed: boolean;
}

// The events that take someone out of a community: their connections there end.
const REMOVALS = new Set(["member.removed", "member.kicked", "member.banned"]);
const PATTERNS = ["chat.events.>", "chat.dm.>", "chat.notifications.>", "chat.typing.>", "chat.presence.>"];
const REPLAY_LIMIT = 1000;

/**
 * The session managers' fan-out: one bus subscription per subject pattern for the whole process,
 * events routed to the local connections that may see them. A connection's reader is checked, not
 * the subject alone: community events reach people shown that community, and an event of a private
 * channel or DM only those in its `audience` (or, for typing, in the channel as last fetched).
 * Resuming with a Last-Event-ID replays what was missed, in order, or sends `resync`.
 */
export async function createLiveHub(options: { bus: EventBus }): Promise<LiveHub> {
  const { bus } = options;
  const conns = new Set<Conn>();
  const byCommunity = new Map<string, Set<Conn>>();
  const byUser = new Map<string, Set<Conn>>();
  // Connections whose reader is not known yet: they hold every event until their context arrives.
  const unnamed = new Set<Conn>();
  const lastSeen = new Map<string, number>();
  let nextId = 1;

  const index = <K>(map: Map<K, Set<Conn>>, key: K, conn: Conn, add: boolean) => {
    const set = map.get(key) ?? new Set<Conn>();
    if (add) set.add(conn);
    else set.delete(conn);
    if (set.size === 0) map.delete(key);
    else map.set(key, set);
  };

  /** Reads what the reader may see; returns the bus head read before it, which the answer is as new as. */
  async function loadAccess(conn: Conn, slug: string | null) {
    const params = new URLSearchParams(slug ? { community: slug } : {});
    if (conn.unread) params.set("unread", "true");
    const head = await bus.head();
    const query = params.size ? `?${params}` : "";
    const context = await conn.api.get<LiveContext>(`/api/live/context${query}`);
    if (unnamed.delete(conn)) {
      conn.userId = context.user.id;
      index(byUser, conn.userId, conn, true);
    }
    const privateChannels = new Set<string>(conn.privateChannels);
    for (const id of context.private_channel_ids) privateChannels.add(id);
    if (conn.community) index(byCommunity, conn.community.id, conn, false);
    conn.community = context.community ? { id: context.community.id, slug: context.community.slug } : null;
    if (conn.community) index(byCommunity, conn.community.id, conn, true);
    conn.publicChannels = new Set(context.public_channel_ids);
    conn.privateChannels = privateChannels;
    conn.relevant = new Set(context.people_ids);
    if (!conn.closed) conn.onContext?.(context, head);
    return head;
  }

  /** Re-reads what the connection may see; losing access to its community ends it. */
  function refresh(conn: Conn) {
    conn.refreshing ??= loadAccess(conn, conn.community?.slug ?? null)
      .catch((err) => {
        if (isKind(err, "unauthorized", "not_found")) end(conn, "access lost");
        else log.warn("live access refresh failed", { user_id: conn.userId, error: String(err) });
      })
      .finally(() => {
        conn.refreshing = null;
      });
    return conn.refreshing;
  }

  function forget(conn: Conn) {
    conns.delete(conn);
    unnamed.delete(conn);
    if (conn.community) index(byCommunity, conn.community.id, conn, false);
    if (conn.userId) index(byUser, conn.userId, conn, false);
  }

  function end(conn: Conn, reason: string) {
    if (conn.closed) return;
    conn.closed = true;
    forget(conn);
    conn.deliver({ kind: "closed", reason });
    conn.onClose?.(reason);
  }

  /** Whether an event of a channel reaches this connection (and what it teaches about membership). */
  function mayReadChannelEvent(conn: Conn, event: Envelope): boolean {
    const channelId = event.channel_id;
    const audience = event.data.audience;
    if (Array.isArray(audience)) {
      if (!channelId) return audience.includes(conn.userId);
      if (audience.includes(conn.userId)) {
        conn.privateChannels.add(channelId);
        return true;
      }
      conn.privateChannels.delete(channelId);
      return false;
    }
    if (!channelId) return true;
    if (event.type === "channel.created") {
      conn.publicChannels.add(channelId);
      return true;
    }
    if (conn.publicChannels.has(channelId)) return true;
    // A channel this connection has not heard of and that names no audience: refetch, never guess.
    void refresh(conn);
    return false;
  }

  function route(conn: Conn, m: BusMessage): boolean {
    const [, kind, a, b] = m.subject.split(".");
    const { event } = m;
    switch (kind) {
      case "events": {
        if (a !== conn.community?.id) return false;
        const about = event.data.user_id;
        if (about === conn.userId && REMOVALS.has(event.type)) {
          queueMicrotask(() => end(conn, "removed from the community"));
          return true;
        }
        const ok = mayReadChannelEvent(conn, event);
        if (about === conn.userId && event.type.startsWith("channel.member_")) void refresh(conn);
        return ok;
      }
      case "dm":
        return mayReadChannelEvent(conn, event);
      case "notifications":
        return a === conn.userId;
      case "typing":
        if (event.actor_id === conn.userId) return false;
        if (a === "dm") return b !== undefined && conn.privateChannels.has(b);
        return (
          a === conn.community?.id &&
          b !== undefined &&
          (conn.publicChannels.has(b) || conn.privateChannels.has(b))
        );
      default:
        return false;
    }
  }

  /** Delivers an event the connection may see, once: events at or before its last seq were sent already. */
  function offer(conn: Conn, m: BusMessage, ignoreSeq = false) {
    if (conn.closed) return;
    if (conn.held) {
      conn.held.push(m);
      return;
    }
    if (!ignoreSeq && m.seq !== undefined && m.seq <= conn.lastSeq) return;
    if (!route(conn, m)) return;
    if (m.seq !== undefined) conn.lastSeq = Math.max(conn.lastSeq, m.seq);
    conn.deliver({ kind: "event", seq: m.seq, subject: m.subject, event: m.event });
  }

  /** Stops holding live events and delivers the held ones after what came before them. */
  function release(conn: Conn, ignoreSeq: boolean) {
    const held = conn.held ?? [];
    conn.held = null;
    for (const m of held) offer(conn, m, ignoreSeq);
  }

  function onMessage(m: BusMessage) {
    const [, kind, a] = m.subject.split(".");
    if (kind === "presence") {
      const userId = m.event.data.user_id;
      const at = Date.parse(String(m.event.data.last_seen_at ?? m.event.timestamp));
      if (typeof userId === "string" && Number.isFinite(at))
        lastSeen.set(userId, Math.max(at, lastSeen.get(userId) ?? 0));
      return;
    }
    const targets =
      kind === "events" ? byCommunity.get(a ?? "") : kind === "notifications" ? byUser.get(a ?? "") : conns;
    for (const conn of targets ?? []) offer(conn, m);
    // Not indexed by community or person yet: they hold it and route it once they know.
    if (kind === "events" || kind === "notifications") for (const conn of unnamed) offer(conn, m);
  }

  /**
   * A connection, made outside `connect`: closures made in an async function hold its whole frame
   * (the options, a resume's replayed events) for as long as the stream lives.
   */
  function newConn(opts: ConnectOptions): Conn {
    const conn: Conn = {
      id: nextId++,
      userId: "",
      api: opts.api,
      community: null,
      get communityId() {
        return this.community?.id ?? null;
      },
      publicChannels: new Set(),
      privateChannels: new Set(),
      relevant: new Set(),
      sentPresence: new Map(),
      lastSeq: 0,
      held: [],
      refreshing: null,
      deliver: opts.deliver,
      onClose: opts.onClose,
      unread: opts.unread ?? false,
      onContext: opts.onContext,
      closed: false,
      async setCommunity(slug) {
        await loadAccess(conn, slug);
      },
      close() {
        if (conn.closed) return;
        conn.closed = true;
        forget(conn);
      },
    };
    return conn;
  }

  for (const pattern of PATTERNS) await bus.subscribe(pattern, onMessage);

  return {
    get size() {
      return conns.size;
    },
    async connect(opts) {
      const conn = newConn(opts);
      // Registered before anything is read, so events from now on are held, not lost.
      conns.add(conn);
      unnamed.add(conn);
      let head: number;
      try {
        head = await loadAccess(conn, opts.communitySlug);
      } catch (err) {
        conn.close();
        throw err;
      }
      if (opts.lastEventId !== undefined) {
        const replay = await bus.replay("chat.>", opts.lastEventId, REPLAY_LIMIT);
        if (!replay.gap) {
          conn.lastSeq = opts.lastEventId;
          const held = conn.held ?? [];
          conn.held = null;
          for (const m of [...replay.messages, ...held]) offer(conn, m);
          conn.deliver({ kind: "ready", seq: conn.lastSeq });
          return conn;
        }
        conn.deliver({ kind: "resync", reason: "missed more than can be replayed" });
      }
      // A fresh start: everything held arrived after the client connected, so all of it goes out,
      // after `ready` names where the client stands (a repeat on resume beats a loss).
      conn.lastSeq = head;
      conn.deliver({ kind: "ready", seq: head });
      release(conn, true);
      return conn;
    },
    flushPresence() {
      const now = Date.now();
      for (const conn of conns) {
        const changes: { user_id: string; online: boolean }[] = [];
        for (const userId of conn.relevant) {
          const seen = lastSeen.get(userId);
          const online = seen !== undefined && isOnline(new Date(seen), now);
          const before = conn.sentPresence.get(userId);
          if (before === online || (before === undefined && !online)) continue;
          conn.sentPresence.set(userId, online);
          changes.push({ user_id: userId, online });
        }
        if (changes.length) conn.deliver({ kind: "presence", changes });
      }
    },
    async stop() {
      for (const pattern of PATTERNS) await bus.unsubscribe(pattern, onMessage);
      for (const conn of [...conns]) end(conn, "server shutting down");
    },
  };
}
