import { z } from "zod";
import { accessCommunity, checkAdmin } from "../../../lib/communities/access.ts";
import { deliveryView, readDeliveries } from "../../../lib/integrations/delivery-log.ts";
import { deadLetterView, doRetryDead, listDead } from "../../../lib/integrations/outbox.ts";
import { listQuery } from "../../../lib/list-page.ts";
import {
  accessOutgoingWebhook,
  checkListenChannels,
  checkMayReadHookChannels,
  doCreateOutgoingWebhook,
  doDeleteOutgoingWebhook,
  listOutgoingWebhooks,
} from "../../../lib/outgoing-webhooks/manage.ts";
import { api, idParam } from "../api-route.ts";
import type { ApiDeps } from "../deps.ts";

const BASE = "/api/communities/:slug/outgoing-webhooks";

/** The community, for one of its owners or admins. */
async function adminCommunity(db: ApiDeps["db"], userId: string, slug: string | undefined) {
  const { community, member } = await accessCommunity(db.db, userId, slug ?? "");
  checkAdmin(member, "manage outgoing webhooks");
  return community;
}

/** Outgoing webhooks (Slack's legacy kind), managed by the community's owners and admins. */
export const outgoingWebhookRoutes = [
  api({
    method: "POST",
    path: BASE,
    summary:
      "Create an outgoing webhook: {name, url, channel_ids (omit for every public channel), trigger_words, content_type (form, as Slack; or json, as Mattermost may)}. New messages there (starting with a trigger word, when set) are POSTed as Slack's legacy form; a JSON reply {text} is posted back. The token is in this answer only",
    scope: "admin",
    status: 201,
    body: z.object({
      name: z.string().trim().min(1).max(80),
      url: z
        .string()
        .max(2000)
        .refine(
          (s) => URL.canParse(s) && ["http:", "https:"].includes(new URL(s).protocol),
          "must be an http(s) URL",
        ),
      channel_ids: z.array(z.uuid()).min(1).max(100).optional(),
      trigger_words: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
      content_type: z.enum(["form", "json"]).default("form"),
    }),
    handler: async ({ db, principal, params, body }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      const channelIds = body.channel_ids
        ? await checkListenChannels(db.db, principal.user.id, community.id, body.channel_ids)
        : null;
      return doCreateOutgoingWebhook(db.db, principal.user.id, community.id, {
        name: body.name,
        url: body.url,
        channelIds,
        triggerWords: body.trigger_words,
        contentType: body.content_type,
      });
    },
  }),
  api({
    method: "GET",
    path: BASE,
    summary:
      "A page of the community's outgoing webhooks, newest first (owners and admins); page on with after=next_cursor",
    scope: "admin",
    query: listQuery,
    handler: async ({ db, principal, params, query }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      return listOutgoingWebhooks(db.db, community.id, principal.user.id, query);
    },
  }),
  api({
    method: "DELETE",
    path: `${BASE}/:id`,
    summary: "Delete an outgoing webhook: no more calls",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      const id = idParam(params.id, "outgoing webhook");
      return { webhook: await doDeleteOutgoingWebhook(db.db, principal.user.id, community.id, id) };
    },
  }),
  api({
    method: "GET",
    path: `${BASE}/:id/deliveries`,
    summary:
      "An outgoing webhook's last 50 calls, newest first (status, latency, error in words; token masked)",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      const hook = await accessOutgoingWebhook(db.db, community.id, idParam(params.id, "outgoing webhook"));
      await checkMayReadHookChannels(db.db, principal.user.id, hook);
      return { items: (await readDeliveries(db.db, hook.id)).map(deliveryView) };
    },
  }),
  api({
    method: "GET",
    path: `${BASE}/:id/dead-letters`,
    summary: "An outgoing webhook's calls that failed every attempt, newest first",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      const hook = await accessOutgoingWebhook(db.db, community.id, idParam(params.id, "outgoing webhook"));
      await checkMayReadHookChannels(db.db, principal.user.id, hook);
      return { items: (await listDead(db.db, hook.id)).map(deadLetterView) };
    },
  }),
  api({
    method: "POST",
    path: `${BASE}/:id/dead-letters/retry`,
    summary: "Make dead-lettered calls again with fresh attempts: {id} for one, {} for all",
    scope: "admin",
    body: z.object({ id: z.uuid().optional() }),
    handler: async ({ db, principal, params, body }) => {
      const community = await adminCommunity(db, principal.user.id, params.slug);
      const hook = await accessOutgoingWebhook(db.db, community.id, idParam(params.id, "outgoing webhook"));
      await checkMayReadHookChannels(db.db, principal.user.id, hook);
      return { retried: await doRetryDead(db.db, hook.id, body.id ?? null) };
    },
  }),
];
