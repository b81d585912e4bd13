import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import { deactivatedMark } from "../../lib/client/views.ts";
import { notFound } from "../../lib/errors.ts";
import type { Channel, Community, Me, Page, Person } from "./api-types.ts";

/** What every app page draws around its pane: who is looking, where, and what is unread. */
export interface Shell {
  me: Me;
  communities: Community[];
  community: Community | null;
  channels: Channel[];
  /** The most recently active DMs; `moreDms` says older ones are on the DMs page. */
  dms: Channel[];
  moreDms: boolean;
  notificationsUnread: number;
  /** The bus position the page was rendered at: its live stream resumes from here. */
  seq: number;
}

/** Display names seen in pages, so a live "typing" line can name people without asking the API. */
export const names = new Map<string, string>();
export function rememberNames(people: Iterable<Pick<Person, "id" | "display_name">>) {
  for (const p of people) names.set(p.id, p.display_name);
  if (names.size > 20_000) names.clear();
}

/** DMs the sidebar lists; the rest are a page of their own (`/dms`), as Slack's "All DMs". */
export const SIDEBAR_DMS = 50;

/**
 * Loads the shell in parallel. The bus head is read first: anything published after it reaches the
 * page through its live stream, anything before is in what the API returns.
 */
export async function loadShell(bus: EventBus, client: ApiClient, slug: string | null): Promise<Shell> {
  const seq = await bus.head();
  const enc = slug ? encodeURIComponent(slug) : "";
  const none = { items: [] as Channel[], has_more: false };
  const [me, communities, firstChannels, dms, notes] = await Promise.all([
    client.get<Me>("/api/me"),
    client.get<{ items: Community[] }>("/api/communities?limit=1000"),
    // Archived ones too: their pages still open (read-only); the sidebar leaves them out.
    slug ? client.get<Page<Channel>>(`/api/communities/${enc}/channels?archived=true`) : none,
    client.get<Page<Channel>>(`/api/dm?limit=${SIDEBAR_DMS}`),
    client.get<{ unread_count: number }>("/api/notifications?unread=true&limit=1"),
  ]);
  const community = slug ? (communities.items.find((c) => c.slug === slug) ?? null) : null;
  if (slug && !community) throw notFound("community");
  rememberNames([me, ...dms.items.flatMap((d) => d.members ?? [])]);
  return {
    me,
    communities: communities.items,
    community,
    // A small community shows every channel one may join; a big one only one's own (the rest are
    // found by searching), so the sidebar costs the same at 2,000 channels as at 20.
    channels: firstChannels.has_more
      ? (await client.get<Page<Channel>>(`/api/communities/${enc}/channels?joined=true&limit=1000`)).items
      : firstChannels.items.filter((c) => c.is_member || c.visibility === "public"),
    dms: dms.items,
    moreDms: dms.has_more,
    notificationsUnread: notes.unread_count,
    seq,
  };
}

/** A DM's name as its reader sees it: the other people in it. */
export function dmName(dm: Channel, meId: string): string {
  const others = (dm.members ?? []).filter((m) => m.id !== meId);
  return others.map((m) => `${m.display_name}${deactivatedMark(m)}`).join(", ") || "just you";
}

export const channelPath = (slug: string, name: string) =>
  `/c/${encodeURIComponent(slug)}/channels/${encodeURIComponent(name)}`;
