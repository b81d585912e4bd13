import { and, asc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import {
  channelMembers,
  channels,
  communities,
  communityMembers,
  messages,
  pins,
  users,
} from "../db/schema.ts";
import { slackId } from "./ids.ts";
import type { ExportScope } from "./scope.ts";

type ChannelRow = typeof channels.$inferSelect;

/** The four conversation lists of a Slack export. */
export const LISTS = ["channels.json", "groups.json", "dms.json", "mpims.json"] as const;
export type ListFile = (typeof LISTS)[number];

/** One conversation to export: its row, which list it is in, its Slack id and folder. */
export interface Conversation {
  channel: ChannelRow;
  list: ListFile;
  id: string;
  /** Its name in the list and its folder of daily files (a DM's folder is its id, as Slack does). */
  folder: string;
  /** Only this person's messages (a person's export of a channel); null for all. */
  onlyAuthor: string | null;
}

const listOf = (c: ChannelRow): ListFile =>
  c.type === "dm"
    ? "dms.json"
    : c.type === "group_dm"
      ? "mpims.json"
      : c.visibility === "private"
        ? "groups.json"
        : "channels.json";

// Slack's kind letter: private channels and group DMs are "G", DMs "D".
const idOf = (c: ChannelRow) =>
  slackId(
    c.type === "dm" ? "dm" : c.type === "group_dm" || c.visibility === "private" ? "group" : "channel",
    c.id,
  );

/**
 * The conversations `scope` exports, oldest first. A community's DMs are those among its members only:
 * DMs belong to no community, and one with anyone outside it is not the community's to hand out.
 */
export async function selectConversations(db: Db, scope: ExportScope): Promise<Conversation[]> {
  const rows =
    scope.kind === "community"
      ? await db
          .select({ channel: channels, slug: sql<string | null>`null` })
          .from(channels)
          .where(
            or(
              eq(channels.communityId, scope.community.id),
              and(
                isNull(channels.communityId),
                sql`exists (select 1 from ${channelMembers} where ${channelMembers.channelId} = ${channels.id})`,
                sql`not exists (select 1 from ${channelMembers} cm where cm.channel_id = ${channels.id}
                  and not exists (select 1 from ${communityMembers} x
                    where x.community_id = ${scope.community.id} and x.user_id = cm.user_id))`,
              ),
            ),
          )
          .orderBy(asc(channels.id))
      : await db
          .select({ channel: channels, slug: communities.slug })
          .from(channels)
          .leftJoin(communities, eq(communities.id, channels.communityId))
          .where(
            and(
              readableBy(scope.user.id),
              // Public channels they never wrote in would only be empty folders.
              or(
                isNull(channels.communityId),
                sql`exists (select 1 from ${channelMembers} where ${channelMembers.channelId} = ${channels.id} and ${channelMembers.userId} = ${scope.user.id})`,
                sql`exists (select 1 from ${messages} where ${messages.channelId} = ${channels.id} and ${messages.userId} = ${scope.user.id})`,
              ),
            ),
          )
          .orderBy(asc(channels.id));
  const groupNames = await groupDmNames(
    db,
    rows.filter((r) => r.channel.type === "group_dm").map((r) => r.channel.id),
  );
  return rows.map(({ channel, slug }) => {
    const id = idOf(channel);
    const dm = channel.type === "dm" || channel.type === "group_dm";
    // A person may be in several communities, each with its #general: the folder names the community.
    const name =
      channel.type === "group_dm"
        ? (groupNames.get(channel.id) ?? id)
        : slug
          ? `${slug}-${channel.name}`
          : channel.name;
    return {
      channel,
      list: listOf(channel),
      id,
      folder: channel.type === "dm" ? id : name,
      onlyAuthor: scope.kind === "person" && !dm ? scope.user.id : null,
    };
  });
}

/** Slack's names for group DMs: `mpdm-alice--bob--carol-1`, from the members' usernames. */
async function groupDmNames(db: Db, ids: string[]) {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const rows = await db
    .select({ channelId: channelMembers.channelId, username: users.username })
    .from(channelMembers)
    .innerJoin(users, eq(users.id, channelMembers.userId))
    .where(inArray(channelMembers.channelId, ids))
    .orderBy(asc(users.username));
  const members = new Map<string, string[]>();
  for (const r of rows) members.set(r.channelId, [...(members.get(r.channelId) ?? []), r.username]);
  for (const [id, usernames] of members) names.set(id, `mpdm-${usernames.join("--")}-1`);
  return names;
}

/** The ids of a conversation's pinned messages, so their `ts` can be noted as they stream by. */
export async function pinnedIds(db: Db, channelId: string) {
  const rows = await db
    .select({ messageId: pins.messageId, pinnedBy: pins.pinnedBy, createdAt: pins.createdAt })
    .from(pins)
    .where(eq(pins.channelId, channelId))
    .orderBy(asc(pins.createdAt));
  return rows;
}

const seconds = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : 0);

/**
 * A conversation as its list shows it: Slack's fields for its kind, members by Slack id. `pinTs`
 * gives the `ts` each pinned message was exported with.
 */
export async function conversationEntry(
  db: Db,
  c: Conversation,
  pinned: Awaited<ReturnType<typeof pinnedIds>>,
  pinTs: Map<string, string>,
  seen: Set<string>,
) {
  const memberRows = await db
    .select({ userId: channelMembers.userId })
    .from(channelMembers)
    .where(eq(channelMembers.channelId, c.channel.id))
    .orderBy(asc(channelMembers.joinedAt), asc(channelMembers.userId));
  for (const m of memberRows) seen.add(m.userId);
  const members = memberRows.map((m) => slackId("user", m.userId));
  const created = seconds(c.channel.createdAt);
  if (c.list === "dms.json") return { id: c.id, created, members };
  const creator = c.channel.createdBy ? slackId("user", c.channel.createdBy) : "";
  if (c.channel.createdBy) seen.add(c.channel.createdBy);
  const topic = {
    value: c.channel.topic,
    creator: c.channel.topic ? creator : "",
    last_set: c.channel.topic ? created : 0,
  };
  const pinEntries = pinned.flatMap((p) => {
    const ts = pinTs.get(p.messageId);
    return ts
      ? [
          {
            id: ts,
            type: "C",
            created: seconds(p.createdAt),
            user: p.pinnedBy ? slackId("user", p.pinnedBy) : "",
          },
        ]
      : [];
  });
  return {
    id: c.id,
    name: c.folder,
    created,
    creator,
    is_archived: c.channel.archivedAt !== null,
    ...(c.list === "channels.json" ? { is_general: c.channel.name === "general" } : {}),
    members,
    topic,
    purpose: { value: "", creator: "", last_set: 0 },
    ...(pinEntries.length ? { pins: pinEntries } : {}),
  };
}
