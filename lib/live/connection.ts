import type { BusMessage } from "../bus/event-bus.ts";
import type { ApiClient } from "../client/api-client.ts";
import type { LiveContext } from "./context.ts";
import type { ConnectOptions, LiveConnection, LiveItem } from "./hub.ts";

/** One client's connection as the hub keeps it: who reads, what they may see, where they stand. */
export interface Conn extends LiveConnection {
  /** Empty until the first context arrives. */
  userId: string;
  api: ApiClient;
  community: { id: string; slug: string } | null;
  /** Public channels of the shown community. */
  publicChannels: Set<string>;
  /** Private channels and DMs the user is in (any community). */
  privateChannels: Set<string>;
  /** One per access read in flight: membership events learned meanwhile, applied over its answer. */
  learning: Set<Map<string, boolean>>;
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

/** Records whether the reader is in a private channel or DM, as an event just showed. */
export function learn(conn: Conn, channelId: string, member: boolean) {
  if (member) conn.privateChannels.add(channelId);
  else conn.privateChannels.delete(channelId);
  for (const learned of conn.learning) learned.set(channelId, member);
}

/**
 * A connection, made outside `connect`: closures made in an async function hold its whole frame
 * (the options, a resume's replayed events) for as long as the stream lives. It holds every event
 * from the start, until its stream begins. `show` switches its community; `forget` drops it from
 * the hub's indexes.
 */
export function newConn(
  id: number,
  opts: ConnectOptions,
  hub: { show(conn: Conn, slug: string | null): Promise<unknown>; forget(conn: Conn): void },
): Conn {
  const conn: Conn = {
    id,
    userId: "",
    api: opts.api,
    community: null,
    get communityId() {
      return this.community?.id ?? null;
    },
    publicChannels: new Set(),
    privateChannels: new Set(),
    learning: new Set(),
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
      await hub.show(conn, slug);
    },
    close() {
      if (conn.closed) return;
      conn.closed = true;
      hub.forget(conn);
    },
  };
  return conn;
}
