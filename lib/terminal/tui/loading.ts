import type { ApiClient } from "../../client/api-client.ts";
import { channelItem, dmItem, type TuiState } from "./state.ts";

/** Messages per history page. */
export const PAGE = 50;

/** The channels and DMs of the sidebar, the members (for names and completion), the notification count. */
export async function loadLists(client: ApiClient, s: TuiState) {
  const slug = s.community;
  const [channels, dms, members, notifications, custom] = await Promise.all([
    slug ? client.channels(slug) : Promise.resolve({ items: [] }),
    client.dms(),
    slug ? client.members(slug) : Promise.resolve({ items: [] }),
    client.notifications({ unread: true, limit: 50 }),
    slug ? client.customCommands(slug) : Promise.resolve({ items: [] }),
  ]);
  s.customCommands = custom.items.map((c) => c.name);
  s.channels = channels.items.map(channelItem);
  s.dms = dms.items.map((d) => dmItem(d, s.me.id));
  s.members = members.items;
  for (const m of members.items) if (m.user.online) s.online.add(m.user.id);
  for (const d of dms.items) for (const m of d.members) if (m.online) s.online.add(m.id);
  s.notifications = notifications.items;
  s.unreadNotifications = notifications.unread_count;
}

/** A channel's newest page, in place of what was loaded before. */
export async function loadLatest(client: ApiClient, s: TuiState, channelId: string) {
  const page = await client.history(channelId, { limit: PAGE });
  s.messages.set(channelId, page.items.reverse());
  s.olderExists.set(channelId, page.has_more);
}

/**
 * Loads the page before a channel's oldest loaded message. PgUp held down asks again before the
 * page is here: one request per channel at a time, the others answer at once.
 */
export function olderPages(client: ApiClient) {
  const loading = new Set<string>();
  return async (s: TuiState, channelId: string) => {
    if (loading.has(channelId)) return;
    loading.add(channelId);
    try {
      const oldest = s.messages.get(channelId)?.[0]?.id;
      const page = await client.history(channelId, { limit: PAGE, before: oldest });
      // Meanwhile the person may have changed channel, and new messages may have arrived.
      s.messages.set(channelId, [...page.items.reverse(), ...(s.messages.get(channelId) ?? [])]);
      s.olderExists.set(channelId, page.has_more);
    } finally {
      loading.delete(channelId);
    }
  };
}
