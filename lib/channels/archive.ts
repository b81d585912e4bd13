import { eq } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Outgoing } from "../bus/publish.ts";
import type { Db } from "../db/client.ts";
import { channels } from "../db/schema.ts";
import { conflict, forbidden, invalid } from "../errors.ts";
import { type ChannelAccess, isDm } from "./access.ts";
import { channelEvent } from "./subjects.ts";
import { channelView } from "./views.ts";

/**
 * Archives a channel, or brings it back: its community's owners and admins may. An archived
 * channel keeps its history (readable and searchable by those who could read it) but takes no
 * writes and leaves the default channel list. DMs and #general cannot be archived. Audited; the
 * community hears of it live (`channel.archived`, `channel.unarchived`).
 */
export async function doSetArchived(
  db: Db,
  userId: string,
  access: ChannelAccess,
  archived: boolean,
  meta: { ip?: string } = {},
) {
  const { channel, role } = access;
  if (isDm(channel)) throw invalid("DMs cannot be archived", "not_archivable");
  if (role !== "owner" && role !== "admin")
    throw forbidden("only the community's owners and admins may archive");
  if (channel.name === "general") throw invalid("#general cannot be archived", "not_archivable");
  if (archived === (channel.archivedAt !== null)) {
    const state = archived ? "already archived" : "not archived";
    throw conflict(`#${channel.name} is ${state}`, archived ? "already_archived" : "not_archived");
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(channels)
      .set({ archivedAt: archived ? new Date() : null })
      .where(eq(channels.id, channel.id))
      .returning();
    const updated = row ?? channel;
    await recordAudit(tx, {
      action: archived ? "channel.archived" : "channel.unarchived",
      actorId: userId,
      communityId: channel.communityId,
      targetType: "channel",
      targetId: channel.id,
      ip: meta.ip,
    });
    const view = channelView(updated, access.membership);
    const events: Outgoing[] = [
      await channelEvent(tx, archived ? "channel.archived" : "channel.unarchived", updated, userId, {
        channel: view,
      }),
    ];
    return { channel: view, events };
  });
}
