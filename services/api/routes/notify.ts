import { z } from "zod";
import { accessChannel } from "../../../lib/channels/access.ts";
import { NOTIFY_LEVELS } from "../../../lib/db/schema.ts";
import { doSetChannelNotify, doSetDnd, MAX_DND_MS } from "../../../lib/notifications/preferences.ts";
import { meView } from "../../../lib/users/views.ts";
import { api, idParam } from "../api-route.ts";

export const notifyRoutes = [
  api({
    method: "PUT",
    path: "/api/channels/:id/notifications",
    summary:
      "Your notification level in a channel you are in (all, mentions, nothing; null for the default) and whether it is muted",
    scope: "channels:write",
    body: z
      .object({ notify: z.enum(NOTIFY_LEVELS).nullable().optional(), muted: z.boolean().optional() })
      .refine((b) => b.notify !== undefined || b.muted !== undefined, "give notify or muted"),
    handler: async ({ db, principal, params, body, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, idParam(params.id, "channel"));
      const { channel, events } = await doSetChannelNotify(db.db, principal.user.id, access, body);
      await publish(events);
      return channel;
    },
  }),
  api({
    method: "PUT",
    path: "/api/me/dnd",
    summary: "Do not disturb for some minutes (notifications are kept, nothing rings); minutes null ends it",
    scope: null,
    peopleOnly: true,
    body: z.object({
      minutes: z
        .number()
        .int()
        .min(1)
        .max(MAX_DND_MS / 60_000)
        .nullable(),
    }),
    handler: async ({ db, principal, body, publish }) => {
      const until = body.minutes === null ? null : new Date(Date.now() + body.minutes * 60_000);
      const { user, events } = await doSetDnd(db.db, principal.user.id, until);
      await publish(events);
      return meView(user);
    },
  }),
];
