import type { Conn } from "./connection.ts";
import type { LiveContext } from "./context.ts";
import type { ConnRegistry } from "./registry.ts";

/**
 * Reads what the connection's reader may see in the community shown (`slug`, or none): who they
 * are, its channels, their private channels and DMs, the people whose presence they see. Private
 * channels learnt from events are kept: the API's answer may predate them.
 */
export async function loadAccess(registry: ConnRegistry, conn: Conn, slug: string | null) {
  const query = slug ? `?community=${encodeURIComponent(slug)}` : "";
  const context = await conn.api.get<LiveContext>(`/api/live/context${query}`);
  registry.name(conn, context.user.id);
  const privateChannels = new Set<string>(conn.privateChannels);
  for (const id of context.private_channel_ids) privateChannels.add(id);
  registry.show(conn, context.community ? { id: context.community.id, slug: context.community.slug } : null);
  conn.publicChannels = new Set(context.public_channel_ids);
  conn.privateChannels = privateChannels;
  conn.relevant = new Set(context.people_ids);
}
