import type { users } from "../db/schema.ts";

type UserRow = typeof users.$inferSelect;

const ONLINE_MS = 2 * 60_000;

/** Online means a heartbeat in the last two minutes. */
export function isOnline(lastSeenAt: Date | null, now = Date.now()) {
  return lastSeenAt !== null && now - lastSeenAt.getTime() < ONLINE_MS;
}

/** A user as others see them (no email); a deactivated account is never online. */
export function userView(
  u: Pick<UserRow, "id" | "username" | "displayName" | "avatarUrl" | "kind" | "lastSeenAt" | "deactivatedAt">,
) {
  const deactivated = u.deactivatedAt !== null;
  return {
    id: u.id,
    username: u.username,
    display_name: u.displayName,
    avatar_url: u.avatarUrl,
    is_bot: u.kind === "bot",
    deactivated,
    online: !deactivated && isOnline(u.lastSeenAt),
  };
}

/** The caller's own profile. */
export function meView(u: UserRow) {
  const dnd = u.dndUntil && u.dndUntil.getTime() > Date.now() ? u.dndUntil : null;
  return {
    ...userView(u),
    email: u.email,
    created_at: u.createdAt,
    last_seen_at: u.lastSeenAt,
    dnd_until: dnd,
  };
}

export type UserView = ReturnType<typeof userView>;
