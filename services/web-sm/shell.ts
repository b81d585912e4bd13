import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import { deactivatedMark } from "../../lib/client/views.ts";
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

/** The API's answer for a page's shell (`GET /api/me/context`). */
interface PageContext {
  me: Me;
  communities: Community[];
  community: Community | null;
  channels: { items: Channel[]; every: boolean };
  dms: Page<Channel>;
  notifications_unread: number;
}

/**
 * Loads the shell in one API call. The bus head is read first: anything published after it reaches
 * the page through its live stream, anything before is in what the API returns.
 */
export async function loadShell(bus: EventBus, client: ApiClient, slug: string | null): Promise<Shell> {
  const seq = await bus.head();
  return { ...(await loadContext(client, slug)), seq };
}

/** The shell without a bus position, for a fragment that has no stream to resume (the bell). */
export async function loadContext(client: ApiClient, slug: string | null): Promise<Omit<Shell, "seq">> {
  const query = new URLSearchParams({ dms: String(SIDEBAR_DMS), ...(slug ? { community: slug } : {}) });
  const context = await client.get<PageContext>(`/api/me/context?${query}`);
  rememberNames([context.me, ...context.dms.items.flatMap((d) => d.members ?? [])]);
  return {
    me: context.me,
    communities: context.communities,
    community: context.community,
    // Every channel one may join in a small community; in a big one only one's own (the rest are
    // found by searching), archived ones left out of the sidebar by its view.
    channels: context.channels.every
      ? context.channels.items.filter((c) => c.is_member || c.visibility === "public")
      : context.channels.items,
    dms: context.dms.items,
    moreDms: context.dms.has_more,
    notificationsUnread: context.notifications_unread,
  };
}

/** A DM's name as its reader sees it: the other people in it. */
export function dmName(dm: Channel, meId: string): string {
  const others = (dm.members ?? []).filter((m) => m.id !== meId);
  return others.map((m) => `${m.display_name}${deactivatedMark(m)}`).join(", ") || "just you";
}

export const channelPath = (slug: string, name: string) =>
  `/c/${encodeURIComponent(slug)}/channels/${encodeURIComponent(name)}`;
