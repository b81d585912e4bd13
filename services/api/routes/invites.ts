import { z } from "zod";
import { accessCommunity, checkAdmin } from "../../../lib/communities/access.ts";
import { doAcceptInvite, doCreateInvite, doRevokeInvite, listInvites } from "../../../lib/invites/invites.ts";
import { pageQuery } from "../../../lib/pagination.ts";
import { api, idParam } from "../api-route.ts";

export const inviteRoutes = [
  api({
    method: "POST",
    path: "/api/communities/:slug/invites",
    summary: "Make an invite link (owners and admins); the code is shown once",
    scope: "admin",
    status: 201,
    body: z.object({
      max_uses: z.number().int().min(1).max(10_000).optional(),
      expires_in: z
        .number()
        .int()
        .min(60)
        .max(365 * 86_400)
        .optional(),
    }),
    handler: async ({ db, config, principal, params, body }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "make invites");
      return doCreateInvite(db.db, principal.user.id, community, body, config.publicUrl);
    },
  }),
  api({
    method: "GET",
    path: "/api/communities/:slug/invites",
    summary: "The community's invites (owners and admins); codes are not shown again",
    scope: "admin",
    query: pageQuery,
    handler: async ({ db, principal, params, query }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "see invites");
      return listInvites(db.db, community.id, query);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/communities/:slug/invites/:id",
    summary: "Revoke an invite; its link stops working at once",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "revoke invites");
      return doRevokeInvite(db.db, principal.user.id, community.id, idParam(params.id, "invite"));
    },
  }),
  api({
    method: "POST",
    path: "/api/invites/:code/accept",
    summary: "Join the invite's community with your account",
    scope: null,
    peopleOnly: true,
    handler: async ({ db, principal, params, ip, publish }) => {
      const { community, joined, events } = await doAcceptInvite(
        db.db,
        params.code ?? "",
        principal.user.id,
        { ip },
      );
      await publish(events);
      return { joined, community: { id: community.id, name: community.name, slug: community.slug } };
    },
  }),
];
