import { z } from "zod";
import { accessChannel, isDm } from "../../../lib/channels/access.ts";
import { doSetArchived } from "../../../lib/channels/archive.ts";
import {
  doAddChannelMember,
  doJoinChannel,
  doLeaveChannel,
  doUpdateChannel,
} from "../../../lib/channels/manage.ts";
import { CHANNEL_NAME } from "../../../lib/channels/name.ts";
import { doMarkRead } from "../../../lib/channels/read.ts";
import { channelView } from "../../../lib/channels/views.ts";
import { dmMembers } from "../../../lib/dm/dm.ts";
import { textLine } from "../../../lib/text-line.ts";
import { api, idParam } from "../api-route.ts";

const channelId = (params: Record<string, string>) => idParam(params.id, "channel");

/** Archive and unarchive: the same people may do both; each answers the channel as it is now. */
function archiveSwitch(verb: "archive" | "unarchive") {
  return api({
    method: "POST",
    path: `/api/channels/:id/${verb}`,
    summary:
      verb === "archive"
        ? "Archive a channel (owners and admins): read-only, out of the default list, still searchable; audited"
        : "Bring an archived channel back (owners and admins); audited",
    scope: "channels:write",
    handler: async ({ db, principal, params, ip, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { channel, events } = await doSetArchived(db.db, principal.user.id, access, verb === "archive", {
        ip,
      });
      await publish(events);
      return channel;
    },
  });
}

export const channelRoutes = [
  api({
    method: "GET",
    path: "/api/channels/:id",
    summary: "One channel you can read (a DM lists its members)",
    scope: "channels:read",
    handler: async ({ db, principal, params }) => {
      const { channel, membership } = await accessChannel(db.db, principal.user.id, channelId(params));
      const view = channelView(channel, membership);
      return isDm(channel) ? { ...view, members: await dmMembers(db.db, channel.id) } : view;
    },
  }),
  api({
    method: "PATCH",
    path: "/api/channels/:id",
    summary: "Change a channel's topic (members) or name (its creator or admins)",
    scope: "channels:write",
    body: z
      .object({
        topic: textLine(250).optional(),
        name: z
          .string()
          .trim()
          .toLowerCase()
          .regex(CHANNEL_NAME, "1–80 lower-case letters, digits, - and _")
          .optional(),
      })
      .refine((b) => b.topic !== undefined || b.name !== undefined, "give topic or name"),
    handler: async ({ db, principal, params, body, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { channel, events } = await doUpdateChannel(db.db, principal.user.id, access, body);
      await publish(events);
      return channel;
    },
  }),
  api({
    method: "POST",
    path: "/api/channels/:id/join",
    summary: "Join a public channel",
    scope: "channels:write",
    handler: async ({ db, principal, params, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { channel, events } = await doJoinChannel(db.db, principal.user.id, access);
      await publish(events);
      return channel;
    },
  }),
  api({
    method: "POST",
    path: "/api/channels/:id/leave",
    summary: "Leave a channel or group DM",
    scope: "channels:write",
    handler: async ({ db, principal, params, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { channel, events } = await doLeaveChannel(db.db, principal.user.id, access);
      await publish(events);
      return channel;
    },
  }),
  api({
    method: "POST",
    path: "/api/channels/:id/members",
    summary: "Add a member of the community to a private channel you are in",
    scope: "channels:write",
    body: z.object({ user_id: z.uuid() }),
    handler: async ({ db, principal, params, body, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { added, events } = await doAddChannelMember(db.db, principal.user.id, access, body.user_id);
      await publish(events);
      return { added };
    },
  }),
  archiveSwitch("archive"),
  archiveSwitch("unarchive"),
  api({
    method: "POST",
    path: "/api/channels/:id/read",
    summary: "Set your read position in a channel; unread counts follow on every client",
    scope: "messages:read",
    body: z.object({ message_id: z.uuid() }),
    handler: async ({ db, principal, params, body, publish }) => {
      const access = await accessChannel(db.db, principal.user.id, channelId(params));
      const { read, events } = await doMarkRead(db.db, principal.user.id, access, body.message_id);
      await publish(events);
      return read;
    },
  }),
];
