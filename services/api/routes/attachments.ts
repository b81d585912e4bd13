import { z } from "zod";
import { accessAttachment } from "../../../lib/attachments/access.ts";
import { downloadHeaders } from "../../../lib/attachments/download.ts";
import { receiveUpload } from "../../../lib/attachments/receive.ts";
import { doSaveUpload, uploadFields } from "../../../lib/attachments/save.ts";
import { accessChannel, checkCanPost } from "../../../lib/channels/access.ts";
import { notFound } from "../../../lib/errors.ts";
import { imageHeaders } from "../../../lib/images/thumbnail.ts";
import { attachmentView, messageView } from "../../../lib/messages/views.ts";
import { storageKey } from "../../../lib/storage/keys.ts";
import { api, idParam } from "../api-route.ts";

export const attachmentRoutes = [
  api({
    method: "POST",
    path: "/api/channels/:id/attachments",
    summary:
      "Upload a file (multipart/form-data, part `file`): a pending upload for a later message's attachment_ids (kept a day), or with body_md (and parent_id, client_msg_id) a message carrying it",
    scope: "files:write",
    rawBody: true,
    // The form as the OpenAPI document shows it; receiveUpload reads the stream itself.
    body: uploadFields.extend({ file: z.file() }),
    status: 201,
    handler: async ({ db, store, config, principal, params, req, publish, unfurls }) => {
      const access = await accessChannel(db.db, principal.user.id, idParam(params.id, "channel"));
      await checkCanPost(db.db, principal.user.id, access);
      const { channel } = access;
      // The attachment's id is made first so the file can stream to its final key.
      const id = Bun.randomUUIDv7();
      const { file, fields } = await receiveUpload(req, {
        store,
        maxBytes: config.limits.maxUploadBytes,
        keyFor: (filename) =>
          storageKey({ communityId: channel.communityId, channelId: channel.id, messageId: id, filename }),
        fields: uploadFields,
      });
      const saved = await doSaveUpload(db.db, store, principal, access, { id, file, fields });
      await publish(saved.events);
      if (!saved.message) return { attachment: attachmentView(saved.attachment) };
      if (saved.created) unfurls.queue(saved.message);
      return Response.json(
        { message: await messageView(db.db, principal.user.id, saved.message) },
        { status: saved.created ? 201 : 200, headers: { "Cache-Control": "private, no-store" } },
      );
    },
  }),
  api({
    method: "GET",
    path: "/api/attachments/:id",
    summary: "Download a file you can see; it is sent as an attachment (inline only for plain images)",
    scope: "messages:read",
    handler: async ({ db, store, principal, params }) => {
      const attachment = await accessAttachment(db.db, principal.user.id, idParam(params.id, "attachment"));
      const object = await store.get(attachment.storageKey);
      if (!object) throw notFound("attachment");
      return new Response(object.body, { headers: downloadHeaders(attachment, object.size) });
    },
  }),
  api({
    method: "GET",
    path: "/api/attachments/:id/thumbnail",
    summary: "A picture's thumbnail (WebP, at most 480 pixels) for a file you can see",
    scope: "messages:read",
    handler: async ({ db, store, principal, params }) => {
      const attachment = await accessAttachment(db.db, principal.user.id, idParam(params.id, "attachment"));
      const object = attachment.thumbKey ? await store.get(attachment.thumbKey) : null;
      if (!object) throw notFound("thumbnail");
      return new Response(object.body, { headers: imageHeaders("image/webp", object.size, "private") });
    },
  }),
];
