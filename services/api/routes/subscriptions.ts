import { z } from "zod";
import type { Principal } from "../../../lib/auth/authenticate.ts";
import { deliveryView, readDeliveries } from "../../../lib/integrations/delivery-log.ts";
import { deadLetterView, doRetryDead, listDead } from "../../../lib/integrations/outbox.ts";
import { SUBSCRIBABLE_EVENTS } from "../../../lib/subscriptions/event-types.ts";
import {
  accessSubscription,
  checkBot,
  doCreateSubscription,
  doDeleteSubscription,
  listSubscriptions,
} from "../../../lib/subscriptions/manage.ts";
import { api, idParam } from "../api-route.ts";

/** The calling bot's own subscription named in the path; anyone else's is the same 404 as none. */
const ownSubscription = (db: Parameters<typeof accessSubscription>[0], principal: Principal, id?: string) =>
  accessSubscription(db, checkBot(principal).botId, idParam(id, "subscription"));

const callbackUrl = z
  .string()
  .max(2000)
  .refine(
    (s) => URL.canParse(s) && ["http:", "https:"].includes(new URL(s).protocol),
    "must be an http(s) URL",
  );

/** A bot's event subscriptions, with its own token: only a bot subscribes, to its own community. */
export const subscriptionRoutes = [
  api({
    method: "POST",
    path: "/api/subscriptions",
    summary: `Subscribe the calling bot to events: {url, event_types} (${SUBSCRIBABLE_EVENTS.join(", ")}). Each is POSTed as a signed Slack-style event_callback, retried with backoff; the signing secret is in this answer only`,
    scope: "messages:read",
    status: 201,
    body: z.object({
      url: callbackUrl,
      event_types: z.array(z.enum(SUBSCRIBABLE_EVENTS)).min(1).max(SUBSCRIBABLE_EVENTS.length),
    }),
    handler: async ({ db, principal, body }) => {
      const bot = checkBot(principal);
      const created = await doCreateSubscription(db.db, bot, { url: body.url, eventTypes: body.event_types });
      return { subscription: created.subscription, signing_secret: created.signingSecret };
    },
  }),
  api({
    method: "GET",
    path: "/api/subscriptions",
    summary: "The calling bot's event subscriptions",
    scope: "messages:read",
    handler: async ({ db, principal }) => ({
      items: await listSubscriptions(db.db, checkBot(principal).botId),
    }),
  }),
  api({
    method: "DELETE",
    path: "/api/subscriptions/:id",
    summary: "Delete one of the calling bot's subscriptions; calls not yet made are dropped",
    scope: "messages:read",
    handler: async ({ db, principal, params }) => ({
      subscription: await doDeleteSubscription(
        db.db,
        checkBot(principal).botId,
        idParam(params.id, "subscription"),
      ),
    }),
  }),
  api({
    method: "GET",
    path: "/api/subscriptions/:id/deliveries",
    summary:
      "A subscription's last 50 delivery attempts, newest first (status, latency, error in words; secrets masked)",
    scope: "messages:read",
    handler: async ({ db, principal, params }) => {
      const sub = await ownSubscription(db.db, principal, params.id);
      return { items: (await readDeliveries(db.db, sub.id)).map(deliveryView) };
    },
  }),
  api({
    method: "GET",
    path: "/api/subscriptions/:id/dead-letters",
    summary: "A subscription's events that failed every attempt, newest first",
    scope: "messages:read",
    handler: async ({ db, principal, params }) => {
      const sub = await ownSubscription(db.db, principal, params.id);
      return { items: (await listDead(db.db, sub.id)).map(deadLetterView) };
    },
  }),
  api({
    method: "POST",
    path: "/api/subscriptions/:id/dead-letters/retry",
    summary: "Send dead letters again with fresh attempts: {id} for one, {} for all of the subscription's",
    scope: "messages:read",
    body: z.object({ id: z.uuid().optional() }),
    handler: async ({ db, principal, params, body }) => {
      const sub = await ownSubscription(db.db, principal, params.id);
      return { retried: await doRetryDead(db.db, sub.id, body.id ?? null) };
    },
  }),
];
