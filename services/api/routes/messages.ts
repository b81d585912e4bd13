import { z } from "zod";
import { accessChannel, checkCanPost } from "../../../lib/channels/access.ts";
import { invalid } from "../../../lib/errors.ts";
import { accessMessage } from "../../../lib/messages/access.ts";
import { doDeleteMessage, doEditMessage } from "../../../lib/messages/change.ts";
import { listHistory, listReplies } from "../../../lib/messages/history.ts";
import { HELD_LIMIT } from "../../../lib/messages/newest-pages.ts";
import { doPostMessage, MAX_BODY_CHARS } from "../../../lib/messages/post.ts";
import { messageView } from "../../../lib/messages/views.ts";
import { pageQuery } from "../../../lib/pagination.ts";
import { checkEmoji } from "../../../lib/reactions/emoji.ts";
import { doAddReaction, doRemoveReaction } from "../../../lib/reactions/toggle.ts";
import { doScheduleJob, scheduledView } from "../../../lib/schedule/jobs.ts";
import { doRemovePreview } from "../../../lib/unfurls/remove.ts";
import { api, idParam } from "../api-route.ts";

const bodyMd = z
  .string()
  .max(MAX_BODY_CHARS, `at most ${MAX_BODY_CHARS} characters`)
  .refine((s) => s.trim() !== "", "must not be empty");

export const messageRoutes = [
  api({
    method: "GET",
    path: "/api/channels/:id/messages",
    summary: "A page of a channel's history, newest first (threads' replies are under each parent)",
    scope: "messages:read",
    query: pageQuery,
    handler: async ({ db, principal, params, query, newestPages }) => {
      const { channel, historyVersion } = await accessChannel(
        db.db,
        principal.user.id,
        idParam(params.id, "channel"),
      );
      if (query.before || query.after || query.limit > HELD_LIMIT || historyVersion === undefined)
        return listHistory(db.db, principal.user.id, channel.id, query);
      return newestPages.respond(db.db, principal.user.id, channel.id, query.limit, historyVersion);
    },
  }),
  api({
    method: "POST",
    path: "/api/channels/:id/messages",
    summary:
      "Post a message (or a thread reply with parent_id); client_msg_id makes retries safe. With send_at (ISO 8601 with an offset) it is scheduled instead: 202 with the scheduled item (see /api/scheduled), posted then if you may still post here",
    scope: "messages:write",
    status: 201,
    body: z.object({
      body_md: bodyMd,
      parent_id: z.uuid().nullish(),
      client_msg_id: z.string().trim().min(1).max(100).nullish(),
      attachment_ids: z.array(z.uuid()).max(10).optional(),
      send_at: z.iso.datetime({ offset: true }).nullish(),
    }),
    handler: async ({ db, config, principal, params, body, publish, unfurls, scheduler }) => {
      const access = await accessChannel(db.db, principal.user.id, idParam(params.id, "channel"));
      await checkCanPost(db.db, principal.user.id, access);
      if (body.send_at) {
        if (body.parent_id || body.attachment_ids?.length || body.client_msg_id)
          throw invalid(
            "send_at: a scheduled message takes only body_md (no thread, files or client_msg_id)",
          );
        const job = await doScheduleJob(db.db, {
          kind: "message",
          createdBy: principal.user.id,
          target: { channelId: access.channel.id },
          bodyMd: body.body_md,
          dueAt: new Date(body.send_at),
          repeat: null,
          timeZone: config.timeZone,
        });
        scheduler.wake(job.dueAt);
        return Response.json(scheduledView(job, { channelName: access.channel.name }), { status: 202 });
      }
      const {
        message,
        created,
        events,
        view: fresh,
      } = await doPostMessage(db.db, principal.user.id, access, {
        bodyMd: body.body_md,
        parentId: body.parent_id,
        clientMsgId: body.client_msg_id,
        attachmentIds: body.attachment_ids,
        author: principal.user,
      });
      await publish(events);
      if (created) unfurls.queue(message);
      // A repeat of an earlier send answers with that message as it is now.
      const view = fresh ?? (await messageView(db.db, principal.user.id, message));
      return Response.json(view, {
        status: created ? 201 : 200,
        headers: { "Cache-Control": "private, no-store" },
      });
    },
  }),
  api({
    method: "GET",
    path: "/api/messages/:id",
    summary: "One message",
    scope: "messages:read",
    handler: async ({ db, principal, params }) => {
      const { message } = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      return messageView(db.db, principal.user.id, message);
    },
  }),
  api({
    method: "PATCH",
    path: "/api/messages/:id",
    summary: "Edit your own message",
    scope: "messages:write",
    body: z.object({ body_md: bodyMd }),
    handler: async ({ db, principal, params, body, publish, unfurls }) => {
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const { message, events, unfurl } = await doEditMessage(db.db, principal.user.id, target, body.body_md);
      await publish(events);
      if (unfurl) unfurls.queue(message);
      return messageView(db.db, principal.user.id, message);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/messages/:id",
    summary: "Delete your own message (owners and admins may delete any); a tombstone stays",
    scope: "messages:write",
    handler: async ({ db, store, principal, params, ip, publish }) => {
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const { message, events, storageKeys } = await doDeleteMessage(db.db, principal.user.id, target, {
        ip,
      });
      await publish(events);
      // The rows are gone; the files follow, best effort.
      await Promise.allSettled(storageKeys.map((key) => store.delete(key)));
      return messageView(db.db, principal.user.id, message);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/messages/:id/preview",
    summary: "Remove a message's link preview (its author, or owners and admins); it does not come back",
    scope: "messages:write",
    handler: async ({ db, principal, params, publish }) => {
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const { view, events } = await doRemovePreview(db.db, principal.user.id, target);
      await publish(events);
      return view;
    },
  }),
  api({
    method: "GET",
    path: "/api/messages/:id/replies",
    summary: "A page of a thread's replies, oldest first",
    scope: "messages:read",
    query: pageQuery,
    handler: async ({ db, principal, params, query }) => {
      const { message } = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      return listReplies(db.db, principal.user.id, message.id, query);
    },
  }),
  api({
    method: "PUT",
    path: "/api/messages/:id/reactions/:emoji",
    summary: "React with an emoji (idempotent)",
    scope: "reactions:write",
    handler: async ({ db, principal, params, publish }) => {
      const emoji = checkEmoji(params.emoji ?? "");
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const { events } = await doAddReaction(db.db, principal.user.id, target, emoji);
      await publish(events);
      return messageView(db.db, principal.user.id, target.message);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/messages/:id/reactions/:emoji",
    summary: "Take your reaction back (idempotent)",
    scope: "reactions:write",
    handler: async ({ db, principal, params, publish }) => {
      const emoji = checkEmoji(params.emoji ?? "");
      const target = await accessMessage(db.db, principal.user.id, idParam(params.id, "message"));
      const { events } = await doRemoveReaction(db.db, principal.user.id, target, emoji);
      await publish(events);
      return messageView(db.db, principal.user.id, target.message);
    },
  }),
];
