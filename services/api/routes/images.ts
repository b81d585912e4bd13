import { eq } from "drizzle-orm";
import { remoteImages } from "../../../lib/db/schema.ts";
import { notFound } from "../../../lib/errors.ts";
import { imageHeaders } from "../../../lib/images/thumbnail.ts";
import { api, idParam } from "../api-route.ts";

export const imageRoutes = [
  api({
    method: "GET",
    path: "/api/images/:id",
    summary: "A remote picture (link preview image, webhook icon) as this server keeps it; never hot-linked",
    scope: "messages:read",
    handler: async ({ db, store, params }) => {
      const [image] = await db.db
        .select()
        .from(remoteImages)
        .where(eq(remoteImages.id, idParam(params.id, "image")));
      const object = image ? await store.get(image.storageKey) : null;
      if (!image || !object) throw notFound("image");
      return new Response(object.body, { headers: imageHeaders(image.contentType, object.size, "private") });
    },
  }),
];
