import { and, eq } from "drizzle-orm";
import { accessChannel, type ChannelAccess } from "../channels/access.ts";
import type { CommunityRow } from "../communities/access.ts";
import type { Db } from "../db/client.ts";
import { channels, communities, communityBans, communityMembers, users } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { knownTo } from "../users/known.ts";
import type { ChannelRef, UserRef } from "./args.ts";
import { type CommandContext, communityOf } from "./command.ts";

export type UserRow = typeof users.$inferSelect;

const noUser = (ref: UserRef, where: string) =>
  new AppError("not_found", "unknown_user", `no one named @${ref.username} ${where}`);

/** A member of the community by username, with their role; 404 naming them otherwise. */
export async function resolveMember(db: Db, communityId: string, ref: UserRef) {
  const [row] = await db
    .select({ user: users, role: communityMembers.role })
    .from(users)
    .innerJoin(
      communityMembers,
      and(eq(communityMembers.userId, users.id), eq(communityMembers.communityId, communityId)),
    )
    .where(eq(users.username, ref.username));
  if (!row) throw noUser(ref, "in this community");
  return row;
}

/** Someone banned from the community, by username. */
export async function resolveBanned(db: Db, communityId: string, ref: UserRef): Promise<UserRow> {
  const [row] = await db
    .select({ user: users })
    .from(users)
    .innerJoin(
      communityBans,
      and(eq(communityBans.userId, users.id), eq(communityBans.communityId, communityId)),
    )
    .where(eq(users.username, ref.username));
  if (!row) throw noUser(ref, "is banned from this community");
  return row.user;
}

/** Someone the caller shares a community or a conversation with (commands typed in a DM). */
export async function resolveKnown(db: Db, viewerId: string, ref: UserRef): Promise<UserRow> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.username, ref.username), knownTo(viewerId)));
  if (!row) throw noUser(ref, "that you share a community with");
  return row;
}

/**
 * A channel of the community by name, if the caller may read it; a private channel they are not in
 * is reported exactly like a missing one.
 */
export async function resolveChannel(
  db: Db,
  userId: string,
  communityId: string,
  ref: ChannelRef,
): Promise<ChannelAccess> {
  const missing = new AppError(
    "not_found",
    "unknown_channel",
    `there is no channel #${ref.name} in this community`,
  );
  const [row] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.communityId, communityId), eq(channels.name, ref.name)));
  if (!row) throw missing;
  try {
    return await accessChannel(db, userId, row.id);
  } catch {
    throw missing;
  }
}

/** The member an admin command acts on (`/ban`, `/kick`, `/mute`, `/unmute`), in the caller's community. */
export async function resolveTarget(ctx: CommandContext, commandName: string, ref: UserRef) {
  const communityId = communityOf(ctx, commandName);
  const { user, role } = await resolveMember(ctx.db, communityId, ref);
  return { communityId, user, target: { id: user.id, role } };
}

/** The community a command runs in, by id (the caller's access to it is already established). */
export async function resolveCommunity(db: Db, id: string): Promise<CommunityRow> {
  const [row] = await db.select().from(communities).where(eq(communities.id, id));
  return row as CommunityRow;
}
