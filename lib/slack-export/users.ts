import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { communityMembers, users } from "../db/schema.ts";
import { slackId } from "./ids.ts";
import type { ExportScope, UserRow } from "./scope.ts";
import type { ZipWriter } from "./zip-writer.ts";

const CHUNK = 500;

/** A person in users.json. Emails only in a community's export: a person's own export names others, no more. */
function slackUser(scope: ExportScope, teamId: string, u: UserRow, role: string | null) {
  const community = scope.kind === "community";
  const image = u.avatarUrl && /^https?:\/\//.test(u.avatarUrl) ? { image_72: u.avatarUrl } : {};
  return {
    id: slackId("user", u.id),
    team_id: teamId,
    name: u.username,
    // Slack marks people who are gone as deleted: deactivated, or no longer in the community.
    deleted: u.deactivatedAt !== null || (community && role === null),
    real_name: u.displayName,
    is_bot: u.kind === "bot",
    is_admin: role === "admin" || role === "owner",
    is_owner: role === "owner",
    is_primary_owner: role === "owner",
    updated: Math.floor(u.createdAt.getTime() / 1000),
    profile: {
      real_name: u.displayName,
      display_name: u.displayName,
      ...(community || (scope.kind === "person" && scope.user.id === u.id)
        ? u.email
          ? { email: u.email }
          : {}
        : {}),
      ...image,
      ...(u.kind === "bot" ? { bot_id: slackId("bot", u.id) } : {}),
    },
  };
}

/**
 * Writes users.json: a community's members and everyone its export names (authors, reactors,
 * members of its conversations); for a person's export, the people it names. Read in chunks.
 */
export async function writeUsers(
  db: Db,
  zip: ZipWriter,
  scope: ExportScope,
  teamId: string,
  seen: Set<string>,
) {
  const ids = new Set(seen);
  if (scope.kind === "community") {
    const members = await db
      .select({ userId: communityMembers.userId })
      .from(communityMembers)
      .where(eq(communityMembers.communityId, scope.community.id));
    for (const m of members) ids.add(m.userId);
  } else ids.add(scope.user.id);
  const all = [...ids].sort();
  const list = zip.array("users.json");
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    const rows =
      scope.kind === "community"
        ? await db
            .select({ user: users, role: communityMembers.role })
            .from(users)
            .leftJoin(
              communityMembers,
              and(
                eq(communityMembers.userId, users.id),
                eq(communityMembers.communityId, scope.community.id),
              ),
            )
            .where(inArray(users.id, chunk))
            .orderBy(asc(users.id))
        : (
            await db
              .select({ user: users })
              .from(users)
              .where(inArray(users.id, chunk))
              .orderBy(asc(users.id))
          ).map((r) => ({ ...r, role: null }));
    for (const r of rows) await list.push(slackUser(scope, teamId, r.user, r.role));
  }
  await list.end();
  return all.length;
}
