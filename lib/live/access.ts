import type { EventBus } from "../bus/event-bus.ts";
import type { Conn } from "./connection.ts";
import type { LiveContext } from "./context.ts";
import type { ConnRegistry } from "./registry.ts";

/**
 * Reads what the connection's reader may see in the community shown (`slug`, or none): who they
 * are, its channels, their private channels and DMs, the people whose presence they see. Membership
 * changes learnt from events while the answer travels win over it: it may predate them.
 */
export async function loadAccess(
  registry: ConnRegistry,
  bus: EventBus,
  conn: Conn,
  slug: string | null,
): Promise<number | undefined> {
  const params = new URLSearchParams(slug ? { community: slug } : {});
  if (conn.unread) params.set("unread", "true");
  const query = params.size ? `?${params}` : "";
  // Read before the API answers, so the answer is at least as new as this position (only a reader
  // that is told the context needs it: a bus round trip per stream is not free in a storm).
  const head = conn.onContext ? await bus.head() : undefined;
  const learned = new Map<string, boolean>();
  conn.learning.add(learned);
  const context = await conn.api
    .get<LiveContext>(`/api/live/context${query}`)
    .finally(() => conn.learning.delete(learned));
  registry.name(conn, context.user.id);
  const privateChannels = new Set<string>(context.private_channel_ids);
  for (const [id, member] of learned) {
    if (member) privateChannels.add(id);
    else privateChannels.delete(id);
  }
  registry.show(conn, context.community ? { id: context.community.id, slug: context.community.slug } : null);
  conn.publicChannels = new Set(context.public_channel_ids);
  conn.privateChannels = privateChannels;
  conn.relevant = new Set(context.people_ids);
  if (head !== undefined && !conn.closed) conn.onContext?.(context, head);
  return head;
}
