import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { readableBy } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { channels, communities, communityMembers, messages, savedItems } from "../db/schema.ts";
import type { Conversation } from "./conversations.ts";
import { microsToTs, slackId } from "./ids.ts";
import { markdownToMrkdwn } from "./mrkdwn-out.ts";
import type { UserRow } from "./scope.ts";
import type { ZipWriter } from "./zip-writer.ts";

/** profile.json: the person's own account and the communities they belong to. */
export async function writeProfile(db: Db, zip: ZipWriter, user: UserRow) {
  const memberships = await db
    .select({
      slug: communities.slug,
      name: communities.name,
      role: communityMembers.role,
      joinedAt: communityMembers.joinedAt,
    })
    .from(communityMembers)
    .innerJoin(communities, eq(communities.id, communityMembers.communityId))
    .where(eq(communityMembers.userId, user.id))
    .orderBy(asc(communities.slug));
  await zip.json("profile.json", {
    id: user.id,
    slack_id: slackId("user", user.id),
    username: user.username,
    display_name: user.displayName,
    email: user.email,
    avatar_url: user.avatarUrl,
    created_at: user.createdAt,
    communities: memberships.map((m) => ({
      slug: m.slug,
      name: m.name,
      role: m.role,
      joined_at: m.joinedAt,
    })),
  });
}

/**
 * saved.json: the messages the person saved that they can still read, oldest save first, each with
 * its conversation's folder (when the export has it), author, time and text. A saved message in a
 * public channel they never wrote in is here although that channel has no folder.
 */
export async function writeSaved(
  db: Db,
  zip: ZipWriter,
  user: UserRow,
  conversations: Conversation[],
  seen: Set<string>,
) {
  const exported = new Map(conversations.map((c) => [c.channel.id, c]));
  const list = zip.array("saved.json");
  const rows = await db
    .select({
      savedAt: savedItems.createdAt,
      channelId: messages.channelId,
      channelName: channels.name,
      userId: messages.userId,
      bodyMd: messages.bodyMd,
      micros: sql<string>`floor(extract(epoch from ${messages.createdAt}) * 1000000)::bigint::text`,
    })
    .from(savedItems)
    .innerJoin(messages, eq(messages.id, savedItems.messageId))
    .innerJoin(channels, eq(channels.id, messages.channelId))
    .where(and(eq(savedItems.userId, user.id), isNull(messages.deletedAt), readableBy(user.id)))
    .orderBy(asc(savedItems.createdAt));
  for (const r of rows) {
    if (r.userId) seen.add(r.userId);
    await list.push({
      saved_at: r.savedAt,
      channel: exported.get(r.channelId)?.folder ?? r.channelName,
      // The conversation's id in this export; a public channel they never wrote in has no folder here.
      channel_id: exported.get(r.channelId)?.id ?? slackId("channel", r.channelId),
      user: r.userId ? slackId("user", r.userId) : "",
      ts: microsToTs(BigInt(r.micros)),
      // Mentions stay `@name` here: the text is for reading, not for re-import.
      text: markdownToMrkdwn(r.bodyMd, () => undefined),
    });
  }
  await list.end();
}
