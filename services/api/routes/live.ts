import { z } from "zod";
import { liveContext } from "../../../lib/live/context.ts";
import { api } from "../api-route.ts";

const flag = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => v === "true");

export const liveRoutes = [
  api({
    method: "GET",
    path: "/api/live/context",
    summary:
      "What a live stream routes by, in one answer: you, the community (community=<slug>) if given with your role, the ids of its public channels, of its private channels and the DMs you are in, and of the people whose presence you see; with unread=true also your unread and mention counts in each of your channels there and each DM; presence=shared leaves the community's members out of the people (only your DM partners), members=true lists them once (member_ids)",
    scope: "channels:read",
    query: z.object({
      community: z.string().min(1).optional(),
      unread: flag,
      presence: z.enum(["shared", "own"]).optional(),
      members: flag,
    }),
    handler: async ({ db, principal, query }) =>
      liveContext(db.db, principal.user, query.community ?? null, {
        unread: query.unread,
        sharedPresence: query.presence === "shared",
        members: query.members,
      }),
  }),
];
