import { and, desc, eq, inArray, isNull, type SQLWrapper, sql } from "drizzle-orm";
import { mentionCount, unreadCount } from "../channels/list.ts";
import { channelView } from "../channels/views.ts";
import type { Db } from "../db/client.ts";
import { isEmbedded } from "../db/embedded.ts";
import { resultRows } from "../db/migrate.ts";
import { channelMembers, channels, communityMembers, messages, users } from "../db/schema.ts";
import { invalid, notFound } from "../errors.ts";
import { type ListQuery, toListPage } from "../list-page.ts";
import { recentKey, recentMs, recentOrder, recentWhere } from "../recent-page.ts";
import { checkNotDeactivated } from "../users/deactivation.ts";
import { userView } from "../users/views.ts";

export const MAX_DM_PEOPLE = 9;

/** The other people of each DM, for labels. */
async function membersOf(db: Db, channelIds: string[]) {
  if (channelIds.length === 0) return new Map<string, ReturnType<typeof userView>[]>();
  const rows = await db
    .select({ channelId: channelMembers.channelId, user: users })
    .from(channelMembers)
    .innerJoin(users, eq(users.id, channelMembers.userId))
    .where(inArray(channelMembers.channelId, channelIds))
    .orderBy(users.username);
  const map = new Map<string, ReturnType<typeof userView>[]>();
  for (const r of rows) map.set(r.channelId, [...(map.get(r.channelId) ?? []), userView(r.user)]);
  return map;
}

/**
 * A query of the ids of `userId`'s DMs and group DMs (a subquery, or prepared with a placeholder),
 * its column named `id`.
 */
export function dmIdsOf(db: Db, userId: string | SQLWrapper) {
  return db
    .select({ id: sql<string>`${channelMembers.channelId}`.as("id") })
    .from(channelMembers)
    .innerJoin(channels, eq(channels.id, channelMembers.channelId))
    .where(and(eq(channelMembers.userId, userId), isNull(channels.communityId)));
}

/** A query of everyone in `userId`'s DMs and group DMs, `userId` included (a subquery; column `id`). */
export function dmPeopleOf(db: Db, userId: string | SQLWrapper) {
  return db
    .select({ id: sql<string>`${channelMembers.userId}`.as("id") })
    .from(channelMembers)
    .where(inArray(channelMembers.channelId, dmIdsOf(db, userId)));
}

// A conversation's last message, or its creation while it has none.
const lastActivity = sql<Date>`coalesce((select max(${messages.createdAt}) from ${messages} where ${messages.channelId} = ${channels.id}), ${channels.createdAt})`;

/**
 * A page of the caller's DMs and group DMs, most recently active first, with members and unread
 * counts; `next_cursor` goes in the next request's `after`.
 */
export async function listDms(db: Db, userId: string, query: ListQuery) {
  const rows = await db
    .select({
      channel: channels,
      membership: channelMembers,
      unread: unreadCount(userId),
      mentions: mentionCount(userId),
      lastActivity,
      cursorMs: recentMs(lastActivity),
    })
    .from(channels)
    .innerJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, userId)),
    )
    .where(and(isNull(channels.communityId), recentWhere(lastActivity, channels.id, query)))
    .orderBy(...recentOrder(lastActivity, channels.id))
    .limit(query.limit + 1);
  const page = toListPage(
    rows,
    query,
    (r) => recentKey(r.cursorMs, r.channel.id),
    (r) => r,
  );
  const members = await membersOf(
    db,
    page.items.map((r) => r.channel.id),
  );
  return {
    ...page,
    items: page.items.map((r) => ({
      ...channelView(r.channel, r.membership, { unread: r.unread, mentions: r.mentions }),
      members: members.get(r.channel.id) ?? [],
      last_activity_at: r.lastActivity,
    })),
  };
}

/**
 * A query of the caller's conversations whose members are now exactly `people` (the caller among
 * them): who is in a conversation now is what finds it, not who started it.
 */
function withExactly(db: Db, userId: string, people: string[]) {
  return db
    .select({ id: channelMembers.channelId })
    .from(channelMembers)
    .where(inArray(channelMembers.channelId, dmIdsOf(db, userId)))
    .groupBy(channelMembers.channelId)
    .having(
      sql`count(*) = ${people.length} and count(*) filter (where ${inArray(channelMembers.userId, people)}) = ${people.length}`,
    );
}

/**
 * Finds the DM (two people) or group DM whose members are now exactly these people, or creates it.
 * The same channel is found from any community. One may only start a DM with people one shares a
 * community with, and never with a deactivated account. Someone who left a group DM is not put
 * back by opening it again: those people then get a new conversation, so what was said after they
 * left stays with those who stayed (as Slack starts a new group DM when someone is added). If
 * several conversations have these members (one dwindled to the people of another), the most
 * recently active one is found.
 */
export async function doOpenDm(db: Db, userId: string, otherIds: string[]) {
  const others = [...new Set(otherIds)].filter((id) => id !== userId);
  if (others.length === 0) throw invalid("user_ids: name at least one other person");
  if (others.length > MAX_DM_PEOPLE - 1)
    throw invalid(`user_ids: a group DM has at most ${MAX_DM_PEOPLE} people`);
  const people = [userId, ...others].sort();
  const key = people.join(",");
  const type = people.length === 2 ? "dm" : "group_dm";

  const reachable = await db
    .selectDistinct({ id: communityMembers.userId })
    .from(communityMembers)
    .innerJoin(users, eq(users.id, communityMembers.userId))
    .where(
      and(
        inArray(communityMembers.userId, others),
        eq(users.kind, "human"),
        sql`${communityMembers.communityId} in (select ${communityMembers.communityId} from ${communityMembers} where ${communityMembers.userId} = ${userId})`,
      ),
    );
  if (reachable.length !== others.length) throw notFound("user");
  await checkNotDeactivated(db, others);

  const channelId = isEmbedded(db)
    ? await findOrCreateInOneStatement(db, userId, type, people, key)
    : await findOrCreateLocked(db, userId, type, people, key);
  const [found] = await db
    .select({ channel: channels, membership: channelMembers })
    .from(channels)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, userId)),
    )
    .where(eq(channels.id, channelId));
  if (!found) throw new Error("the DM channel is gone");
  const { channel, membership } = found;
  const members = await membersOf(db, [channel.id]);
  return { ...channelView(channel, membership), members: members.get(channel.id) ?? [] };
}

type DmType = "dm" | "group_dm";

/** A query of the most recently active conversation of exactly these people (its id). */
const findDm = (db: Db, userId: string, type: DmType, people: string[]) =>
  db
    .select({ id: channels.id })
    .from(channels)
    .where(
      and(
        isNull(channels.communityId),
        eq(channels.type, type),
        inArray(channels.id, withExactly(db, userId, people)),
      ),
    )
    .orderBy(desc(lastActivity), desc(channels.id))
    .limit(1);

/**
 * On PostgreSQL: most opens find the conversation, with no transaction; a new one is created under
 * a lock per set of people, so racing opens on any connection find one channel, not two.
 */
async function findOrCreateLocked(db: Db, userId: string, type: DmType, people: string[], key: string) {
  const [existing] = await findDm(db, userId, type, people);
  if (existing) return existing.id;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`dm:${key}`}))`);
    const [found] = await findDm(tx, userId, type, people);
    if (found) return found.id;
    const [row] = await tx
      .insert(channels)
      .values({ type, name: key, visibility: "private", createdBy: userId })
      .returning({ id: channels.id });
    if (!row) throw new Error("DM channel was not created");
    await tx.insert(channelMembers).values(people.map((id) => ({ channelId: row.id, userId: id })));
    return row.id;
  });
}

/**
 * On the embedded database finding or creating is one statement: PGlite runs one statement at a
 * time, so no other open comes between the look and the insert, and no transaction holds the
 * database while the main thread prepares its next statement (at 2,000 people, the DM transactions
 * held it 15–18 % of the time, every other request waiting).
 */
async function findOrCreateInOneStatement(
  db: Db,
  userId: string,
  type: DmType,
  people: string[],
  key: string,
) {
  const list = sql.join(
    people.map((p) => sql`${p}::uuid`),
    sql`, `,
  );
  const result = await db.execute(sql`
    with found as (${findDm(db, userId, type, people)}),
    made as (
      insert into ${channels} (id, type, name, visibility, created_by)
      select ${Bun.randomUUIDv7()}::uuid, ${type}, ${key}, 'private', ${userId}::uuid
      where not exists (select 1 from found)
      returning id),
    joined as (
      insert into ${channelMembers} (channel_id, user_id)
      select made.id, person from made, unnest(array[${list}]) person)
    select id from found union all select id from made`);
  const [row] = resultRows<{ id: string }>(result);
  if (!row) throw new Error("DM channel was not created");
  return row.id;
}

/** The other people in a DM, for views of a single DM channel. */
export async function dmMembers(db: Db, channelId: string) {
  return (await membersOf(db, [channelId])).get(channelId) ?? [];
}
