import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { issueToken } from "../auth/tokens.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { ChannelAccess, ChannelRow } from "../channels/access.ts";
import { channelSubject } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { channelMembers, channels, webhooks } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { type ListQuery, toListPage } from "../list-page.ts";
import type { Outbound } from "../outbound/fetch.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../outbound/remote-image.ts";
import { newestWhere } from "../recent-page.ts";
import type { ObjectStore } from "../storage/object-store.ts";

/** Where a remote picture is fetched through and kept. */
export interface RemoteMedia {
  store: ObjectStore;
  outbound: Outbound;
}

export type WebhookRow = typeof webhooks.$inferSelect;

/** A webhook as admins see it: never its token. */
export function webhookView(w: WebhookRow, channelName: string) {
  return {
    id: w.id,
    channel_id: w.channelId,
    channel_name: channelName,
    name: w.name,
    avatar_url: w.avatarUrl,
    allow_override: w.allowOverride,
    created_by: w.createdBy,
    created_at: w.createdAt,
  };
}

const webhookEvent = (
  type: string,
  channel: Pick<ChannelRow, "id" | "communityId">,
  actorId: string,
  data: Record<string, unknown>,
): Outgoing => ({
  subject: channelSubject(channel),
  event: envelope(type, {
    community_id: channel.communityId,
    channel_id: channel.id,
    actor_id: actorId,
    data,
  }),
});

/**
 * A new incoming webhook posting into the channel. Its URL (`<publicUrl>/hook/<id>/<token>`) is
 * returned once; only the token's hash is stored.
 */
export async function doCreateWebhook(
  db: Db,
  actorId: string,
  access: ChannelAccess,
  name: string,
  publicUrl: string,
  /** Already kept by us (`checkWebhookAvatar`). */
  avatarUrl: string | null = null,
) {
  const { channel } = access;
  if (!channel.communityId)
    throw new AppError("invalid", "invalid_request", "webhooks post into a community's channels");
  const { token, id, hash } = issueToken("webhook");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(webhooks)
      .values({
        id,
        communityId: channel.communityId as string,
        channelId: channel.id,
        name,
        avatarUrl,
        tokenHash: hash,
        createdBy: actorId,
      })
      .returning();
    const view = webhookView(row as WebhookRow, channel.name);
    await recordAudit(tx, {
      action: "webhook.created",
      actorId,
      communityId: channel.communityId,
      targetType: "webhook",
      targetId: id,
      data: { channel_id: channel.id, name },
    });
    return {
      webhook: view,
      url: `${publicUrl}/hook/${id}/${token}`,
      events: [webhookEvent("webhook.created", channel, actorId, { webhook: view })],
    };
  });
}

/**
 * SQL: the webhook's channel is one the user may read (public, or a private one they are in). A
 * webhook's log holds what it posted, so managing one needs what reading its channel needs.
 */
export const channelReadableBy = (userId: string) =>
  sql`(${channels.visibility} = 'public' or exists (select 1 from ${channelMembers}
    where ${channelMembers.channelId} = ${channels.id} and ${channelMembers.userId} = ${userId}))`;

/** The community's live webhooks posting into channels the reader may read, newest first. */
export async function listWebhooks(
  db: Db,
  communityId: string,
  readerId: string,
  query: ListQuery = { after: undefined, limit: 1000 },
) {
  const rows = await db
    .select({ webhook: webhooks, channelName: channels.name })
    .from(webhooks)
    .innerJoin(channels, eq(channels.id, webhooks.channelId))
    .where(
      and(
        eq(webhooks.communityId, communityId),
        isNull(webhooks.revokedAt),
        channelReadableBy(readerId),
        newestWhere(webhooks.id, query),
      ),
    )
    .orderBy(desc(webhooks.id))
    .limit(query.limit + 1);
  return toListPage(
    rows,
    query,
    (r) => r.webhook.id,
    (r) => webhookView(r.webhook, r.channelName),
  );
}

/** Revokes one of the community's webhooks; its URL answers `no_service` from now on. */
export async function doRevokeWebhook(db: Db, actorId: string, communityId: string, webhookId: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhooks)
      .set({ revokedAt: new Date() })
      .where(
        and(eq(webhooks.id, webhookId), eq(webhooks.communityId, communityId), isNull(webhooks.revokedAt)),
      )
      .returning();
    if (!row) throw new AppError("not_found", "not_found", "no live webhook with that id in this community");
    const [channel] = await tx.select().from(channels).where(eq(channels.id, row.channelId));
    await recordAudit(tx, {
      action: "webhook.revoked",
      actorId,
      communityId,
      targetType: "webhook",
      targetId: webhookId,
    });
    const view = webhookView(row, channel?.name ?? "");
    return {
      webhook: view,
      events: [
        webhookEvent("webhook.revoked", { id: row.channelId, communityId }, actorId, {
          webhook_id: webhookId,
        }),
      ],
    };
  });
}

/** What `PATCH /api/webhooks/:id` and `/webhook edit` may change. */
export interface WebhookChange {
  name?: string;
  /** An http(s) picture, fetched once and served by us; null takes the avatar off. */
  avatarUrl?: string | null;
  allowOverride?: boolean;
}

/**
 * A webhook's own picture from a URL: fetched once through the safe fetcher and kept (never
 * hot-linked); its address on our server, or `invalid` when it cannot be had as a picture.
 */
export async function checkWebhookAvatar(media: RemoteMedia, db: Db, url: string): Promise<string> {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url) || url.length > 2000)
    throw new AppError("invalid", "invalid_request", "an avatar is an http(s) URL of a picture");
  const image = await doCacheRemoteImage({ ...media, db }, url, "integration", 256);
  if (!image)
    throw new AppError(
      "invalid",
      "bad_image",
      "the avatar URL could not be fetched as a picture (PNG, JPEG, GIF or WebP)",
    );
  return remoteImageUrl(image);
}

/** Changes a webhook's name, avatar or whether posts may override them; audited and published. */
export async function doUpdateWebhook(
  db: Db,
  actorId: string,
  webhook: WebhookRow,
  change: WebhookChange,
  /** Needed only to set an avatar. */
  media?: RemoteMedia,
) {
  if (webhook.revokedAt) throw new AppError("gone", "webhook_revoked", "the webhook is revoked");
  if (typeof change.avatarUrl === "string" && !media)
    throw new AppError("invalid", "invalid_request", "avatars cannot be fetched from here");
  const avatarUrl =
    typeof change.avatarUrl === "string"
      ? await checkWebhookAvatar(media as RemoteMedia, db, change.avatarUrl)
      : change.avatarUrl;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhooks)
      .set({ name: change.name, avatarUrl, allowOverride: change.allowOverride })
      .where(eq(webhooks.id, webhook.id))
      .returning();
    const updated = row as WebhookRow;
    const [channel] = await tx.select().from(channels).where(eq(channels.id, updated.channelId));
    await recordAudit(tx, {
      action: "webhook.updated",
      actorId,
      communityId: updated.communityId,
      targetType: "webhook",
      targetId: updated.id,
      data: {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.avatarUrl !== undefined ? { avatar: change.avatarUrl === null ? "removed" : "set" } : {}),
        ...(change.allowOverride !== undefined ? { allow_override: change.allowOverride } : {}),
      },
    });
    const view = webhookView(updated, channel?.name ?? "");
    const target = { id: updated.channelId, communityId: updated.communityId };
    return { webhook: view, events: [webhookEvent("webhook.updated", target, actorId, { webhook: view })] };
  });
}
