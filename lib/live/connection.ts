import type { BusMessage } from "../bus/event-bus.ts";
import type { ApiClient } from "../client/api-client.ts";
import type { SharedChannels } from "./community-channels.ts";
import type { LiveContext } from "./context.ts";
import type { ConnectOptions, LiveConnection, LiveItem } from "./hub.ts";

/** What a connection asks of a set of channel ids (a Set, or bits over a community's channels). */
export interface ChannelSet {
  has(id: string): boolean;
  add(id: string): void;
  delete(id: string): void;
}

/** One client's connection as the hub keeps it: who reads, what they may see, where they stand. */
export interface Conn extends LiveConnection {
  /** Empty until the first context arrives. */
  userId: string;
  api: ApiClient;
  community: { id: string; slug: string } | null;
  /** Public channels of the shown community: one set shared by the streams showing it (lib/live/community-channels.ts). */
  publicChannels: Set<string>;
  /** Private channels and DMs the user is in (any community). */
  privateChannels: Set<string>;
  /** Public channels of the shown community the user has joined: their messages reach this stream. */
  joined: ChannelSet;
  /** Channels the client shows though its reader may not have joined them (a preview): their messages too. */
  watching: ReadonlySet<string>;
  /** One per access read in flight: membership events learned meanwhile, applied over its answer. */
  learning: Set<Learned>;
  /**
   * People besides the shown community's members whose presence this client cares about (DM
   * partners): the members' presence is kept once per community (lib/live/presence-batch.ts).
   */
  relevant: Set<string>;
  sentPresence: Map<string, boolean>;
  /** Whether this stream has had the community's presence since it began showing it. */
  presenceSent: boolean;
  /** Who asks (their credential): streams opened together with one credential share one access read. */
  readerKey: string | undefined;
  lastSeq: number;
  /** Live events held back while a resume replays what was missed. */
  held: BusMessage[] | null;
  refreshing: Promise<unknown> | null;
  deliver(item: LiveItem): void;
  onClose?(reason: string): void;
  unread: boolean;
  onContext?(context: LiveContext, seq: number, channels: SharedChannels | null): void;
  closed: boolean;
}

// A stream shows a channel or two (a pane, a preview, a `tail` of a few): more is not a reason to
// hold a copy of every public channel's traffic.
export const MAX_WATCHED = 8;

/** Membership learnt from events while an access read travels: private channels, and public ones joined. */
export interface Learned {
  private: Map<string, boolean>;
  joined: Map<string, boolean>;
}

/** Records whether the reader is in a private channel or DM, or has joined a public one, as an event just showed. */
export function learn(conn: Conn, channelId: string, member: boolean, kind: keyof Learned = "private") {
  const set = kind === "private" ? conn.privateChannels : conn.joined;
  if (member) set.add(channelId);
  else set.delete(channelId);
  for (const learned of conn.learning) learned[kind].set(channelId, member);
}

/** What a connection may ask of its hub: switch its community, leave the hub's indexes. */
interface HubOfConn {
  show(conn: Conn, slug: string | null): Promise<unknown>;
  forget(conn: Conn): void;
}

/**
 * A connection, made outside `connect`: closures made in an async function hold its whole frame
 * (the options, a resume's replayed events) for as long as the stream lives. A class, so that its
 * methods are shared by every connection rather than made for each. It holds every event from the
 * start, until its stream begins. `hub.show` switches its community, `hub.forget` drops it from
 * the hub's indexes.
 */
export class HubConn implements Conn {
  userId = "";
  api: ApiClient;
  community: Conn["community"] = null;
  publicChannels = new Set<string>();
  privateChannels = new Set<string>();
  joined: ChannelSet = new Set<string>();
  watching: ReadonlySet<string>;
  learning = new Set<Learned>();
  relevant = new Set<string>();
  sentPresence = new Map<string, boolean>();
  presenceSent = false;
  readerKey: string | undefined;
  lastSeq = 0;
  held: BusMessage[] | null = [];
  refreshing: Promise<unknown> | null = null;
  deliver: (item: LiveItem) => void;
  onClose?: (reason: string) => void;
  unread: boolean;
  onContext?: (context: LiveContext, seq: number, channels: SharedChannels | null) => void;
  closed = false;

  constructor(
    readonly id: number,
    opts: ConnectOptions,
    private readonly hub: HubOfConn,
  ) {
    this.api = opts.api;
    this.watching = new Set((opts.watch ?? []).slice(0, MAX_WATCHED));
    this.readerKey = opts.readerKey;
    this.deliver = opts.deliver;
    this.onClose = opts.onClose;
    this.unread = opts.unread ?? false;
    this.onContext = opts.onContext;
  }

  get communityId() {
    return this.community?.id ?? null;
  }

  async setCommunity(slug: string | null) {
    await this.hub.show(this, slug);
  }

  watch(channelIds: string[]) {
    this.watching = new Set(channelIds.slice(0, MAX_WATCHED));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.hub.forget(this);
  }
}
