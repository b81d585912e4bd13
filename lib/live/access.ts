import type { EventBus } from "../bus/event-bus.ts";
import { log } from "../log.ts";
import { ChannelBits } from "./channel-bits.ts";
import { coalesced } from "./coalesce.ts";
import type { CommunityChannels } from "./community-channels.ts";
import type { CommunityPeople } from "./community-people.ts";
import type { ChannelSet, Conn, Learned } from "./connection.ts";
import type { LiveContext } from "./context.ts";
import type { ConnRegistry } from "./registry.ts";

/** What reading a connection's access needs from its hub; the reads in flight are shared. */
export function accessReads(
  registry: ConnRegistry,
  bus: EventBus,
  people: CommunityPeople,
  channels: CommunityChannels,
) {
  const head = coalesced<number>();
  const context = coalesced<LiveContext>();
  return {
    registry,
    people,
    channels,
    head: () => head("head", () => bus.head()),
    context: (conn: Conn, query: string) => {
      const read = () => conn.api.get<LiveContext>(`/api/live/context${query}`);
      // The same credential asking the same question at once gets one answer (a storm of one
      // person's tabs, or of a bot's streams); anyone else asks for themselves.
      return conn.readerKey ? context(`${conn.readerKey}?${query}`, read) : read();
    },
  };
}

export type AccessReads = ReturnType<typeof accessReads>;

const apply = <S extends ChannelSet>(set: S, ids: string[], learned: Map<string, boolean>) => {
  for (const id of ids) set.add(id);
  for (const [id, member] of learned) {
    if (member) set.add(id);
    else set.delete(id);
  }
  return set;
};

/**
 * Reads what the connection's reader may see in the community shown (`slug`, or none): who they
 * are, its channels (one set per community, shared by its streams, whose copies of the ids the
 * reader's own sets use), the ones they joined, their private channels and DMs, their DM partners (whose
 * presence they see besides the community's members, read once per community). Membership changes
 * learnt from events while the answer travels win over it: it may predate them.
 */
export async function loadAccess(
  reads: AccessReads,
  conn: Conn,
  slug: string | null,
): Promise<number | undefined> {
  const params = new URLSearchParams(slug ? { community: slug } : {});
  if (conn.unread) params.set("unread", "true");
  params.set("presence", "shared");
  const query = `?${params}`;
  // Read before the API answers, so the answer is at least as new as this position (only a reader
  // that is told the context needs it: a bus round trip per stream is not free in a storm).
  const head = conn.onContext ? await reads.head() : undefined;
  const learned: Learned = { private: new Map(), joined: new Map() };
  conn.learning.add(learned);
  const context = await reads.context(conn, query).finally(() => conn.learning.delete(learned));
  reads.registry.name(conn, context.user.id);
  const community = context.community ? { id: context.community.id, slug: context.community.slug } : null;
  if (community?.id !== conn.community?.id) conn.presenceSent = false;
  reads.registry.show(conn, community);
  // A stream without a community sees no public channel's events; its set is its own all the same.
  const shared = community ? reads.channels.publicOf(community.id, context.public_channel_ids) : null;
  const canonical = shared ? shared.canonical : (id: string) => id;
  conn.publicChannels = shared?.ids ?? new Set(context.public_channel_ids);
  conn.privateChannels = apply(new Set<string>(), context.private_channel_ids, learned.private);
  conn.joined = apply(
    shared ? new ChannelBits(shared) : new Set<string>(),
    context.joined_channel_ids,
    learned.joined,
  );
  conn.relevant = new Set(context.people_ids);
  if (community) {
    const members = `?${new URLSearchParams({ community: community.slug, presence: "shared", members: "true" })}`;
    // Awaited: a stream that begins knows whose presence it reports (only the community's first
    // stream of this process waits for it).
    await reads.people
      .ensure(community.id, () =>
        conn.api.get<LiveContext>(`/api/live/context${members}`).then((c) => c.member_ids ?? []),
      )
      .catch((err) => log.warn("reading a community's members failed", { error: String(err) }));
  }
  if (head === undefined || conn.closed || !conn.onContext) return head;
  // The unread counts are kept per stream by channel id: keyed by the shared copies.
  const unread = context.unread?.map((u) => ({ ...u, channel_id: canonical(u.channel_id) }));
  conn.onContext({ ...context, ...(unread ? { unread } : {}) }, head, shared);
  return head;
}
