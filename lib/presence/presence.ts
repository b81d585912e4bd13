import { and, eq, inArray, sql } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { communityMembers, users } from "../db/schema.ts";
import { knownTo } from "../users/known.ts";
import { isOnline } from "../users/views.ts";

export const MAX_PRESENCE_IDS = 200;

/**
 * Marks the user seen now. Returns a `presence.heartbeat` event for each of their communities, to
 * publish once the write is done.
 */
export async function doHeartbeat(db: Db, userId: string): Promise<Outgoing[]> {
  const [seen] = await db
    .update(users)
    .set({ lastSeenAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning({ lastSeenAt: users.lastSeenAt });
  if (!seen?.lastSeenAt) return [];
  const data = { user_id: userId, last_seen_at: seen.lastSeenAt.toISOString() };
  const memberships = await db
    .select({ communityId: communityMembers.communityId })
    .from(communityMembers)
    .where(eq(communityMembers.userId, userId));
  return memberships.map(({ communityId }) => ({
    subject: subjects.presence(communityId),
    event: envelope("presence.heartbeat", { community_id: communityId, actor_id: userId, data }),
  }));
}

/**
 * Presence of the asked-for people the viewer knows, in the order asked. Anyone else is left out,
 * exactly like an id that names nobody. A deactivated account is offline.
 */
export async function listPresence(db: Db, viewerId: string, userIds: string[]) {
  const rows = await db
    .select({ id: users.id, lastSeenAt: users.lastSeenAt, deactivatedAt: users.deactivatedAt })
    .from(users)
    .where(and(inArray(users.id, userIds), knownTo(viewerId)));
  const seen = new Map(rows.map((r) => [r.id, r]));
  const now = Date.now();
  return [...new Set(userIds.map((id) => id.toLowerCase()))].flatMap((id) => {
    const row = seen.get(id);
    if (!row) return [];
    const online = row.deactivatedAt === null && isOnline(row.lastSeenAt, now);
    return [{ user_id: id, online, last_seen_at: row.lastSeenAt }];
  });
}
