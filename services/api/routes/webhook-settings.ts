import { z } from "zod";
import { accessCommunity, checkAdmin } from "../../../lib/communities/access.ts";
import { invalid } from "../../../lib/errors.ts";
import { deliveryView, readDeliveries } from "../../../lib/integrations/delivery-log.ts";
import { listQuery } from "../../../lib/list-page.ts";
import { textLine } from "../../../lib/text-line.ts";
import { accessWebhook } from "../../../lib/webhooks/inspect.ts";
import { doUpdateWebhook, listWebhooks, webhookView } from "../../../lib/webhooks/manage.ts";
import { api, idParam } from "../api-route.ts";

export const webhookSettingRoutes = [
  api({
    method: "GET",
    path: "/api/communities/:slug/webhooks",
    summary:
      "A page of the community's live incoming webhooks into channels you may read, newest first (owners and admins); never their URLs; page on with after=next_cursor",
    scope: "admin",
    query: listQuery,
    handler: async ({ db, principal, params, query }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "manage webhooks");
      return listWebhooks(db.db, community.id, principal.user.id, query);
    },
  }),
  api({
    method: "GET",
    path: "/api/webhooks/:id",
    summary: "One webhook (owners and admins of its community)",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const { webhook, channelName } = await accessWebhook(
        db.db,
        principal.user.id,
        idParam(params.id, "webhook"),
      );
      return webhookView(webhook, channelName);
    },
  }),
  api({
    method: "PATCH",
    path: "/api/webhooks/:id",
    summary:
      "Change a webhook's name, avatar (an http(s) picture, fetched once and served by us; null removes it) or allow_override (whether posts may choose their own name, icon_url and icon_emoji); owners and admins",
    scope: "admin",
    body: z.object({
      name: textLine(80).min(1).optional(),
      avatar_url: z.string().max(2000).nullable().optional(),
      allow_override: z.boolean().optional(),
    }),
    handler: async ({ db, store, outbound, principal, params, body, publish }) => {
      const { webhook } = await accessWebhook(db.db, principal.user.id, idParam(params.id, "webhook"));
      if (body.name === undefined && body.avatar_url === undefined && body.allow_override === undefined)
        throw invalid("give name, avatar_url or allow_override");
      const change = { name: body.name, avatarUrl: body.avatar_url, allowOverride: body.allow_override };
      const updated = await doUpdateWebhook(db.db, principal.user.id, webhook, change, { store, outbound });
      await publish(updated.events);
      return updated.webhook;
    },
  }),
  api({
    method: "GET",
    path: "/api/webhooks/:id/deliveries",
    summary:
      "A webhook's last deliveries, newest first (at most 50 kept; owners and admins): time, kind, status, latency, dry_run, the payload with secrets masked, the answer and warnings, and the error in words",
    scope: "admin",
    query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(50) }),
    handler: async ({ db, principal, params, query }) => {
      const { webhook } = await accessWebhook(db.db, principal.user.id, idParam(params.id, "webhook"));
      const rows = await readDeliveries(db.db, webhook.id, query.limit);
      return { items: rows.map(deliveryView) };
    },
  }),
];
