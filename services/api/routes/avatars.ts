import { z } from "zod";
import { credentialsChanged } from "../../../lib/auth/credential-cache.ts";
import { invalid, notFound } from "../../../lib/errors.ts";
import { readForm } from "../../../lib/http/body.ts";
import { imageHeaders } from "../../../lib/images/thumbnail.ts";
import { doRemoveAvatar, doSetAvatar, findAvatar } from "../../../lib/users/avatar.ts";
import { AVATAR_FORM_BYTES, MAX_AVATAR_BYTES } from "../../../lib/users/avatar-size.ts";
import { meView } from "../../../lib/users/views.ts";
import { api, idParam } from "../api-route.ts";

export const avatarRoutes = [
  api({
    method: "PUT",
    path: "/api/me/avatar",
    summary: `Upload your avatar (multipart/form-data, part \`file\`; PNG, JPEG, GIF or WebP up to ${MAX_AVATAR_BYTES / 1024 / 1024} MB): stored as a 256-pixel square`,
    scope: null,
    rawBody: true,
    body: z.object({ file: z.file() }),
    handler: async ({ db, store, principal, req, publish }) => {
      // The form is small by construction (one picture), so it is read whole, within the limit.
      const form = await readForm(req, AVATAR_FORM_BYTES);
      const file = form.get("file");
      if (!(file instanceof Blob)) throw invalid("file: send the picture as the form's `file` part");
      const user = await doSetAvatar(db.db, store, principal.user, new Uint8Array(await file.arrayBuffer()));
      await publish([credentialsChanged({ userId: user.id, ended: false })]);
      return meView(user);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/me/avatar",
    summary: "Remove your avatar; your initials show instead",
    scope: null,
    handler: async ({ db, store, principal, publish }) => {
      const user = await doRemoveAvatar(db.db, store, principal.user);
      await publish([credentialsChanged({ userId: user.id, ended: false })]);
      return meView(user);
    },
  }),
  api({
    method: "GET",
    path: "/api/avatars/:user_id/:file",
    summary:
      "A person's uploaded avatar (a square WebP); cached for a year, its name changes with each upload",
    scope: null,
    handler: async ({ db, store, params }) => {
      const key = await findAvatar(db.db, idParam(params.user_id, "user"), params.file ?? "");
      const object = key ? await store.get(key) : null;
      if (!object) throw notFound("avatar");
      return new Response(object.body, { headers: imageHeaders("image/webp", object.size, "private") });
    },
  }),
];
