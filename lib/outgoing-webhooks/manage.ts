import { randomBytes } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { accessChannel } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import {
  channelMembers,
  channels,
  communityMembers,
  integrationOutbox,
  outgoingWebhooks,
  users,
} from "../db/schema.ts";
import { invalid, notFound } from "../errors.ts";
import { type ListQuery, toListPage } from "../list-page.ts";
import { newestWhere } from "../recent-page.ts";

export type OutgoingWebhookRow = typeof outgoingWebhooks.$inferSelect;

const HIDDEN = "(a private channel)";

/**
 * An outgoing webhook as admins see it: never its token, and a private channel the viewer is not in
 * neither named nor given by id.
 */
export function outgoingWebhookView(w: OutgoingWebhookRow, channelNames: Map<string, string | null>) {
  const listened = w.channelIds ?? [];
  return {
    id: w.id,
    name: w.name,
    bot_user_id: w.botUserId,
    url: w.url,
    channels: w.channelIds === null ? "all public" : listened.map((id) => channelNames.get(id) ?? HIDDEN),
    channel_ids: w.channelIds === null ? null : listened.filter((id) => channelNames.get(id)),
    trigger_words: w.triggerWords,
    content_type: w.contentType,
    created_by: w.createdBy,
    created_at: w.createdAt.toISOString(),
  };
}

/** The names of the channels the webhooks listen to, null for those `viewerId` may not read (none for the box's admin). */
async function namesOf(db: Db, rows: OutgoingWebhookRow[], viewerId: string | null) {
  const ids = [...new Set(rows.flatMap((r) => r.channelIds ?? []))];
  if (ids.length === 0) return new Map<string, string | null>();
  const named = await db
    .select({ id: channels.id, name: channels.name, visibility: channels.visibility })
    .from(channels)
    .where(inArray(channels.id, ids));
  const mine = viewerId
    ? new Set(
        (
          await db
            .select({ id: channelMembers.channelId })
            .from(channelMembers)
            .where(and(eq(channelMembers.userId, viewerId), inArray(channelMembers.channelId, ids)))
        ).map((m) => m.id),
      )
    : null;
  return new Map(
    named.map((c) => [c.id, c.visibility === "public" || !mine || mine.has(c.id) ? c.name : null]),
  );
}

/**
 * Throws not_found unless the viewer may read every channel the webhook listens to: its deliveries
 * and dead letters quote those channels' messages.
 */
export async function checkMayReadHookChannels(db: Db, viewerId: string, hook: OutgoingWebhookRow) {
  for (const id of hook.channelIds ?? []) {
    try {
      await accessChannel(db, viewerId, id);
    } catch {
      throw notFound("outgoing webhook");
    }
  }
}

export interface NewOutgoingWebhook {
  name: string;
  url: string;
  /** Channels the caller may read (the caller resolved them); null for every public channel. */
  channelIds: string[] | null;
  triggerWords: string[];
  /** `form` (Slack's) or `json`. */
  contentType?: "form" | "json";
}

/**
 * A new outgoing webhook with a bot user of its own (kind bot, a member of the community), by which
 * its replies are posted. Its token, sent in every payload and the key of the v0 signature, is
 * returned only now.
 */
export async function doCreateOutgoingWebhook(
  db: Db,
  actorId: string,
  communityId: string,
  input: NewOutgoingWebhook,
) {
  if (input.channelIds && input.channelIds.length === 0) throw invalid("name at least one channel, or all");
  const token = randomBytes(24).toString("hex");
  return db.transaction(async (tx) => {
    const id = Bun.randomUUIDv7();
    const [bot] = await tx
      .insert(users)
      .values({
        username: `outgoing-${id.replaceAll("-", "").slice(-12)}`,
        displayName: input.name,
        kind: "bot",
      })
      .returning({ id: users.id });
    const botUserId = (bot as { id: string }).id;
    await tx.insert(communityMembers).values({ communityId, userId: botUserId, role: "member" });
    const [row] = await tx
      .insert(outgoingWebhooks)
      .values({
        id,
        communityId,
        name: input.name,
        botUserId,
        channelIds: input.channelIds,
        triggerWords: input.triggerWords,
        contentType: input.contentType ?? "form",
        url: input.url,
        token,
        createdBy: actorId,
      })
      .returning();
    const hook = row as OutgoingWebhookRow;
    await recordAudit(tx, {
      action: "outgoing_webhook.created",
      actorId,
      communityId,
      targetType: "outgoing_webhook",
      targetId: id,
      data: { name: input.name, channel_ids: input.channelIds, trigger_words: input.triggerWords },
    });
    return { webhook: outgoingWebhookView(hook, await namesOf(tx, [hook], actorId)), token };
  });
}

/** The community's outgoing webhooks, newest first, as `viewerId` may see them (null: the box's admin). */
export async function listOutgoingWebhooks(
  db: Db,
  communityId: string,
  viewerId: string | null,
  query: ListQuery = { after: undefined, limit: 1000 },
) {
  const rows = await db
    .select()
    .from(outgoingWebhooks)
    .where(and(eq(outgoingWebhooks.communityId, communityId), newestWhere(outgoingWebhooks.id, query)))
    .orderBy(desc(outgoingWebhooks.id))
    .limit(query.limit + 1);
  const names = await namesOf(db, rows.slice(0, query.limit), viewerId);
  return toListPage(
    rows,
    query,
    (r) => r.id,
    (r) => outgoingWebhookView(r, names),
  );
}

/** One of the community's outgoing webhooks; another community's is the same 404 as none. */
export async function accessOutgoingWebhook(db: Db, communityId: string, id: string) {
  const [row] = await db
    .select()
    .from(outgoingWebhooks)
    .where(and(eq(outgoingWebhooks.id, id), eq(outgoingWebhooks.communityId, communityId)));
  if (!row) throw notFound("outgoing webhook");
  return row;
}

/**
 * Deletes an outgoing webhook with its queued calls and dead letters: no more calls. Its bot user
 * stays, so the replies it posted keep their author, but leaves the community.
 */
export async function doDeleteOutgoingWebhook(
  db: Db,
  actorId: string | null,
  communityId: string,
  id: string,
  /** Who acted when it was no account (the local admin). */
  auditData?: Record<string, unknown>,
) {
  return db.transaction(async (tx) => {
    const row = await accessOutgoingWebhook(tx, communityId, id);
    await tx.delete(outgoingWebhooks).where(eq(outgoingWebhooks.id, id));
    await tx.delete(integrationOutbox).where(eq(integrationOutbox.targetId, id));
    await tx
      .delete(communityMembers)
      .where(and(eq(communityMembers.communityId, communityId), eq(communityMembers.userId, row.botUserId)));
    await recordAudit(tx, {
      action: "outgoing_webhook.deleted",
      actorId,
      communityId,
      targetType: "outgoing_webhook",
      targetId: id,
      data: auditData,
    });
    return outgoingWebhookView(row, await namesOf(tx, [row], actorId));
  });
}

/**
 * The channels an outgoing webhook may listen to: each one the creator may read, of this community
 * (a private channel the creator is not in is the same 404 as a missing one).
 */
export async function checkListenChannels(db: Db, userId: string, communityId: string, ids: string[]) {
  for (const id of ids) {
    const { channel } = await accessChannel(db, userId, id);
    if (channel.communityId !== communityId) throw notFound("channel");
  }
  return [...new Set(ids)];
}
