import { subjects } from "../bus/subjects.ts";
import type { ChannelRow } from "./access.ts";

/** Where a channel's events go: its community's subject, or the DM's own. */
export function channelSubject(channel: Pick<ChannelRow, "id" | "communityId">) {
  return channel.communityId ? subjects.communityEvents(channel.communityId) : subjects.dm(channel.id);
}
