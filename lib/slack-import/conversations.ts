import { and, eq, isNull, lt, or } from "drizzle-orm";
import { CHANNEL_NAME } from "../channels/name.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels } from "../db/schema.ts";
import { knownIds, rememberId } from "./ids.ts";
import type { ConversationKind, SlackConversation } from "./model.ts";
import type { ImportReport } from "./report.ts";
import type { PeopleMap } from "./users.ts";

export interface ImportedConversation {
  slackId: string;
  kind: ConversationKind;
  /** Where its daily files are in the export. */
  folder: string;
  channelId: string;
  label: string;
}

const channelName = (name: string) => {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 80);
  return CHANNEL_NAME.test(clean) ? clean : "imported";
};

/** A name no channel of the community has yet: `name`, else `name-slack`, `name-slack-2`, … */
async function freeChannelName(db: Db, communityId: string, name: string) {
  for (let n = 1; ; n++) {
    const candidate = `${name.slice(0, 70)}-slack${n === 1 ? "" : `-${n}`}`;
    const [taken] = await db
      .select({ id: channels.id })
      .from(channels)
      .where(and(eq(channels.communityId, communityId), eq(channels.name, candidate)));
    if (!taken) return candidate;
  }
}

/**
 * Makes the conversation's channel (or finds the one an earlier run made) and puts its members in.
 * A public Slack channel whose name a public channel here already has is merged into it (Slack's
 * #general becomes ours); a private one never is, so its history cannot land where others read it.
 * DMs and group DMs are conversations outside any community, as DMs here are.
 */
export async function doImportConversation(
  db: Db,
  communityId: string,
  kind: ConversationKind,
  folder: string,
  c: SlackConversation,
  people: PeopleMap,
  report: ImportReport,
): Promise<ImportedConversation> {
  const memberIds = [...new Set((c.members ?? []).map((m) => people.get(m)).filter((m) => m !== undefined))];
  const known = (await knownIds(db, communityId, "conversation", [c.id])).get(c.id);
  const label = kind === "dm" || kind === "group_dm" ? `${kind} ${folder}` : `#${folder}`;
  let channelId = known;
  if (channelId) report.conversations.existing++;
  else {
    const merged = report.conversations.merged.length;
    channelId = await db.transaction(async (tx) => {
      const id = await createChannel(tx, communityId, kind, c, memberIds, report);
      await rememberId(tx, communityId, "conversation", c.id, id);
      return id;
    });
    if (report.conversations.merged.length === merged) report.conversations.created++;
  }
  if (memberIds.length) {
    await db
      .insert(channelMembers)
      .values(memberIds.map((userId) => ({ channelId, userId })))
      .onConflictDoNothing();
  }
  return { slackId: c.id, kind, folder, channelId, label };
}

async function createChannel(
  db: Db,
  communityId: string,
  kind: ConversationKind,
  c: SlackConversation,
  memberIds: string[],
  report: ImportReport,
) {
  const created = c.created ? new Date(c.created * 1000) : new Date();
  const archivedAt = c.is_archived ? new Date() : null;
  if (kind === "dm" || kind === "group_dm") {
    const [row] = await db
      .insert(channels)
      .values({
        type: kind,
        name: [...memberIds].sort().join(","),
        visibility: "private",
        createdAt: created,
      })
      .returning({ id: channels.id });
    return (row as { id: string }).id;
  }
  const visibility = kind === "public" ? "public" : "private";
  const name = channelName(c.name ?? c.id);
  const [existing] = await db
    .select({ id: channels.id, visibility: channels.visibility })
    .from(channels)
    .where(and(eq(channels.communityId, communityId), eq(channels.name, name)));
  if (existing && existing.visibility === "public" && visibility === "public") {
    report.conversations.merged.push(`#${name}`);
    return existing.id;
  }
  const [row] = await db
    .insert(channels)
    .values({
      communityId,
      name: existing ? await freeChannelName(db, communityId, name) : name,
      visibility,
      topic: (c.topic?.value || c.purpose?.value || "").slice(0, 250),
      createdAt: created,
      archivedAt,
    })
    .returning({ id: channels.id });
  return (row as { id: string }).id;
}

/**
 * Everyone in the channel has read up to the import's newest message in it: an import starts with
 * nothing unread. Nobody's position moves back, so messages posted here after that stay unread for
 * whoever has not read them, even when a later export is imported again.
 */
export async function doMarkReadUpTo(db: Db, channelId: string, messageId: string) {
  await db
    .update(channelMembers)
    .set({ lastReadMessageId: messageId, lastReadAt: new Date() })
    .where(
      and(
        eq(channelMembers.channelId, channelId),
        or(isNull(channelMembers.lastReadMessageId), lt(channelMembers.lastReadMessageId, messageId)),
      ),
    );
}
