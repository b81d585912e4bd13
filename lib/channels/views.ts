import type { ChannelMemberRow, ChannelRow } from "./access.ts";

export function channelView(
  c: ChannelRow,
  membership: (Pick<ChannelMemberRow, "lastReadMessageId"> & Partial<ChannelMemberRow>) | null,
  counts?: { unread: number; mentions: number },
) {
  return {
    id: c.id,
    community_id: c.communityId,
    name: c.name,
    type: c.type,
    visibility: c.visibility,
    topic: c.topic,
    created_at: c.createdAt,
    archived_at: c.archivedAt,
    is_member: membership !== null,
    last_read_message_id: membership?.lastReadMessageId ?? null,
    // The member's notification level here (their own, or the default: every message in a DM,
    // mentions elsewhere), and whether they muted it.
    notify: membership?.notify ?? (c.communityId ? "mentions" : "all"),
    muted: membership?.muted ?? false,
    ...(counts ? { unread_count: counts.unread, mention_count: counts.mentions } : {}),
  };
}

export type ChannelView = ReturnType<typeof channelView>;
