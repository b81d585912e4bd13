import { eq } from "drizzle-orm";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Db } from "../db/client.ts";
import { channelMembers } from "../db/schema.ts";
import type { ChannelRow } from "./access.ts";

/** Where a channel's events go: its community's subject, or the DM's own. */
export function channelSubject(channel: Pick<ChannelRow, "id" | "communityId">) {
  return channel.communityId ? subjects.communityEvents(channel.communityId) : subjects.dm(channel.id);
}

/**
 * An event about a channel, on the channel's subject. For a private channel or a DM the envelope
 * names its `audience` (the members now), so a session manager delivers it to them and nobody else
 * without asking the API; a public channel's events are for the whole community.
 */
export async function channelEvent(
  db: Db,
  type: string,
  channel: Pick<ChannelRow, "id" | "communityId" | "visibility">,
  actorId: string | null,
  data: Record<string, unknown>,
  /** People who should hear of it though no longer in it (someone who just left). */
  alsoTo: string[] = [],
): Promise<Outgoing> {
  const audience =
    channel.visibility === "public" && channel.communityId
      ? undefined
      : (
          await db
            .select({ userId: channelMembers.userId })
            .from(channelMembers)
            .where(eq(channelMembers.channelId, channel.id))
        )
          .map((m) => m.userId)
          .concat(alsoTo);
  return channelEventTo(type, channel, actorId, audience, data);
}

/** channelEvent when the caller already knows the audience (undefined for a public channel). */
export function channelEventTo(
  type: string,
  channel: Pick<ChannelRow, "id" | "communityId">,
  actorId: string | null,
  audience: string[] | undefined,
  data: Record<string, unknown>,
): Outgoing {
  return {
    subject: channelSubject(channel),
    event: envelope(type, {
      community_id: channel.communityId,
      channel_id: channel.id,
      actor_id: actorId,
      data: audience ? { ...data, audience } : data,
    }),
  };
}
