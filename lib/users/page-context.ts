import type { UserRow } from "../auth/sessions.ts";
import { listCommunityChannels } from "../channels/list.ts";
import { accessCommunity, communityView } from "../communities/access.ts";
import { listMyCommunities } from "../communities/manage.ts";
import type { Db } from "../db/client.ts";
import { listDms } from "../dm/dm.ts";
import { unreadTotal } from "../notifications/list.ts";
import { meView } from "./views.ts";

/** Channels listed in full up to this many; a bigger community lists only the reader's own. */
const CHANNELS_IN_FULL = 200;

/**
 * What every page of a client draws around its pane, in one answer: who is looking, their
 * communities, the shown one's channels with unread counts, their most recent DMs and their unread
 * notifications. One call instead of five (each a hop, a parse and its own checks) per page view.
 * A small community lists every channel one may see, archived ones too (their pages still open);
 * a big one only the reader's own (`every` false), so the answer costs the same at 2,000 channels
 * as at 20.
 */
export async function pageContext(db: Db, user: UserRow, slug: string | null, opts: { dms: number }) {
  const access = slug ? await accessCommunity(db, user.id, slug) : null;
  const channelsOf = (communityId: string, q: { limit: number; joined?: boolean; archived?: boolean }) =>
    listCommunityChannels(db, user.id, { id: communityId }, { after: undefined, ...q });
  const [communities, first, dms, notificationsUnread] = await Promise.all([
    listMyCommunities(db, user.id, { limit: 1000, after: undefined }),
    access ? channelsOf(access.community.id, { limit: CHANNELS_IN_FULL, archived: true }) : null,
    listDms(db, user.id, { limit: opts.dms, after: undefined }),
    unreadTotal(db, user.id),
  ]);
  const channels =
    access && first?.has_more
      ? (await channelsOf(access.community.id, { limit: 1000, joined: true })).items
      : (first?.items ?? []);
  return {
    me: meView(user),
    communities: communities.items,
    community: access ? communityView(access.community, access.member) : null,
    channels: { items: channels, every: !first?.has_more },
    dms: { items: dms.items, has_more: dms.has_more },
    notifications_unread: notificationsUnread,
  };
}
