import { listBotTokens } from "../../../lib/bots/tokens.ts";
import { accessCommunity, checkAdmin } from "../../../lib/communities/access.ts";
import { listQuery } from "../../../lib/list-page.ts";
import { api } from "../api-route.ts";

export const tokenRoutes = [
  api({
    method: "GET",
    path: "/api/communities/:slug/tokens",
    summary:
      "A page of the community's bot tokens, newest first, revoked ones included (owners and admins); page on with after=next_cursor",
    scope: "admin",
    query: listQuery,
    handler: async ({ db, principal, params, query }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "see bot tokens");
      return listBotTokens(db.db, community.id, query);
    },
  }),
];
