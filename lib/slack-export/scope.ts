import type { communities, users } from "../db/schema.ts";

export type CommunityRow = typeof communities.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/**
 * What an export holds. A community's (`admin export`): all its channels, public and private, and
 * the DMs and group DMs whose every member belongs to it, with all their messages. A person's own
 * (`/api/me/export`): the DMs and group DMs they take part in, whole, and their own messages in the
 * channels they can still read; nothing of a conversation they cannot read.
 */
export type ExportScope = { kind: "community"; community: CommunityRow } | { kind: "person"; user: UserRow };
