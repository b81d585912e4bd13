/**
 * How far a member's unread count is counted: past it, the count says only "this many or more".
 * A member far behind in a long channel would otherwise count every message since their read
 * position, for every channel of theirs, on every sidebar, page and stream they open (a channel of
 * 100,000 messages never read: 100,000 index entries each time). Clients show it as "99+".
 * Its own module: the terminal client shows it, and loads nothing of the server's.
 */
export const UNREAD_COUNT_CAP = 100;

/** An unread count as a badge shows it: exact below the cap, "99+" at it. */
export const unreadLabel = (count: number) =>
  count >= UNREAD_COUNT_CAP ? `${UNREAD_COUNT_CAP - 1}+` : String(count);
