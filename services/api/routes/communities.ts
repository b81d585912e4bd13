import { z } from "zod";
import { listCommunityChannels } from "../../../lib/channels/list.ts";
import { doCreateChannel } from "../../../lib/channels/manage.ts";
import { CHANNEL_NAME } from "../../../lib/channels/name.ts";
import { accessCommunity, communityView } from "../../../lib/communities/access.ts";
import {
  doCreateCommunity,
  doUpdateMember,
  listMembers,
  listMyCommunities,
  SLUG,
} from "../../../lib/communities/manage.ts";
import { doUpdateCommunitySettings } from "../../../lib/communities/settings.ts";
import { forbidden } from "../../../lib/errors.ts";
import { listQuery } from "../../../lib/list-page.ts";
import { textLine } from "../../../lib/text-line.ts";
import { api, idParam } from "../api-route.ts";

export const communityRoutes = [
  api({
    method: "GET",
    path: "/api/communities",
    summary: "The communities you belong to, with your role",
    scope: "channels:read",
    query: listQuery,
    handler: async ({ db, principal, query }) => listMyCommunities(db.db, principal.user.id, query),
  }),
  api({
    method: "POST",
    path: "/api/communities",
    summary: "Create a community; you become its owner and it gets a #general channel",
    scope: null,
    peopleOnly: true,
    status: 201,
    body: z.object({
      name: textLine(80).min(1),
      slug: z.string().regex(SLUG, "2–40 lower-case letters, digits and -, starting with a letter or digit"),
    }),
    handler: async ({ db, principal, body, publish }) => {
      const { community, events } = await doCreateCommunity(db.db, principal.user.id, body);
      await publish(events);
      return community;
    },
  }),
  api({
    method: "GET",
    path: "/api/communities/:slug",
    summary: "One community you belong to",
    scope: "channels:read",
    handler: async ({ db, principal, params }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      return communityView(community, member);
    },
  }),
  api({
    method: "PATCH",
    path: "/api/communities/:slug",
    summary:
      "Change the community's settings (owners and admins): unfurl_links turns link previews on or off",
    scope: "admin",
    body: z.object({ unfurl_links: z.boolean() }),
    handler: async ({ db, principal, params, body }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      return doUpdateCommunitySettings(db.db, { userId: principal.user.id, member }, community, {
        unfurlLinks: body.unfurl_links,
      });
    },
  }),
  api({
    method: "GET",
    path: "/api/communities/:slug/channels",
    summary:
      "The channels you can see in a community, with unread and mention counts, by name: pages with after/limit, q matches a name's start, joined=true keeps yours, archived=true adds the archived ones",
    scope: "channels:read",
    query: listQuery.extend({
      joined: z
        .enum(["true", "false"])
        .optional()
        .transform((v) => v === "true"),
      archived: z
        .enum(["true", "false"])
        .optional()
        .transform((v) => v === "true"),
    }),
    handler: async ({ db, principal, params, query }) => {
      // One statement: only a member sees any channel of a community, so only an empty page asks
      // whether the caller is one (a non-member gets the 404 a missing community gets).
      const slug = params.slug ?? "";
      const page = await listCommunityChannels(db.db, principal.user.id, { slug }, query);
      if (page.items.length === 0) await accessCommunity(db.db, principal.user.id, slug);
      return page;
    },
  }),
  api({
    method: "POST",
    path: "/api/communities/:slug/channels",
    summary: "Create a channel; you join it",
    scope: "channels:write",
    status: 201,
    body: z.object({
      name: z
        .string()
        .trim()
        .toLowerCase()
        .regex(CHANNEL_NAME, "1–80 lower-case letters, digits, - and _, starting with a letter or digit"),
      visibility: z.enum(["public", "private"]).default("public"),
      topic: textLine(250).default(""),
    }),
    handler: async ({ db, principal, params, body, publish }) => {
      const { community } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      const { channel, events } = await doCreateChannel(db.db, principal.user.id, community.id, body);
      await publish(events);
      return channel;
    },
  }),
  api({
    method: "GET",
    path: "/api/communities/:slug/members",
    summary:
      "A community's members with roles and nicknames, by username: pages with after/limit, q matches the start of a username or display name",
    scope: "channels:read",
    query: listQuery,
    handler: async ({ db, principal, params, query }) => {
      const { community } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      return listMembers(db.db, community.id, query);
    },
  }),
  api({
    method: "PATCH",
    path: "/api/communities/:slug/members/:user_id",
    summary: "Change a member's role (owners and admins) or nickname",
    scope: null,
    body: z
      .object({
        role: z.enum(["admin", "member"]).optional(),
        nickname: textLine(80).nullable().optional(),
      })
      .refine((b) => b.role !== undefined || b.nickname !== undefined, "give role or nickname"),
    handler: async ({ db, principal, params, body, publish }) => {
      if (body.role !== undefined && principal.scopes && !principal.scopes.has("admin")) {
        throw forbidden("this token lacks the admin scope");
      }
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      const target = idParam(params.user_id, "member");
      const result = await doUpdateMember(
        db.db,
        { userId: principal.user.id, role: member.role },
        community,
        target,
        body,
      );
      await publish(result.events);
      return result.member;
    },
  }),
];
