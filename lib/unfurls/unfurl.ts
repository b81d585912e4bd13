import { and, eq, gt, isNull } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import { channelEvent } from "../channels/subjects.ts";
import type { Db } from "../db/client.ts";
import { channels, communities, linkPreviews, messages } from "../db/schema.ts";
import { messageView } from "../messages/views.ts";
import type { Outbound } from "../outbound/fetch.ts";
import { doCacheRemoteImage, remoteImageUrl } from "../outbound/remote-image.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { type LinkPreview, readCard } from "./card.ts";
import { firstLink } from "./first-link.ts";

export interface UnfurlDeps {
  db: Db;
  store: ObjectStore;
  outbound: Outbound;
}

// A page's head is near its start; a megabyte is plenty and bounds what one link can cost us.
const PAGE_BYTES = 1024 * 1024;

/**
 * Gives a message the preview card of its first http(s) link, unless the message is gone, its
 * preview was removed or already made, or its community turned previews off. The page is fetched
 * through the safe fetcher (public addresses only, whatever the operator's allow-list says) and
 * its card kept a day by URL, failures too, so a link pasted twice is fetched once. Returns the
 * `message.updated` event to publish.
 */
export async function doUnfurl(deps: UnfurlDeps, messageId: string): Promise<Outgoing[]> {
  const [row] = await deps.db
    .select({ message: messages, channel: channels, unfurlLinks: communities.unfurlLinks })
    .from(messages)
    .innerJoin(channels, eq(channels.id, messages.channelId))
    .leftJoin(communities, eq(communities.id, channels.communityId))
    .where(eq(messages.id, messageId));
  if (!row || row.unfurlLinks === false) return [];
  const { message, channel } = row;
  if (message.deletedAt || message.previewRemovedAt || message.preview) return [];
  const url = firstLink(message.bodyMd);
  if (!url) return [];
  const card = await cardFor(deps, url);
  if (!card) return [];
  const [updated] = await deps.db
    .update(messages)
    .set({ preview: card })
    .where(
      and(
        eq(messages.id, messageId),
        // An edit while the page was fetched may have changed the link: that edit queued its own.
        eq(messages.bodyMd, message.bodyMd),
        isNull(messages.preview),
        isNull(messages.previewRemovedAt),
        isNull(messages.deletedAt),
      ),
    )
    .returning();
  if (!updated) return [];
  return [
    await channelEvent(deps.db, "message.updated", channel, null, {
      message: await messageView(deps.db, null, updated),
    }),
  ];
}

async function cardFor(deps: UnfurlDeps, url: string): Promise<LinkPreview | null> {
  const [cached] = await deps.db
    .select()
    .from(linkPreviews)
    .where(and(eq(linkPreviews.url, url), gt(linkPreviews.fetchedAt, new Date(Date.now() - 86_400_000))));
  if (cached) return cached.card as LinkPreview | null;
  const card = await fetchCard(deps, url);
  await deps.db
    .insert(linkPreviews)
    .values({ url, card })
    .onConflictDoUpdate({ target: linkPreviews.url, set: { card, fetchedAt: new Date() } });
  return card;
}

async function fetchCard(deps: UnfurlDeps, url: string): Promise<LinkPreview | null> {
  const page = await deps.outbound
    .fetch(url, {
      purpose: "unfurl",
      accept: ["text/html", "application/xhtml+xml"],
      maxBytes: PAGE_BYTES,
      truncate: true,
      timeoutMs: 5000,
    })
    .catch(() => null);
  if (page?.status !== 200) return null;
  const read = readCard(new TextDecoder().decode(page.body), page.url);
  if (!read) return null;
  const image = read.remoteImage ? await doCacheRemoteImage(deps, read.remoteImage, "unfurl") : null;
  return image
    ? {
        ...read.card,
        url,
        image_url: remoteImageUrl(image),
        image_width: image.width,
        image_height: image.height,
      }
    : { ...read.card, url };
}
