import { eq, sql } from "drizzle-orm";
import { prepared } from "../db/prepared.ts";
import { eventSubscriptions } from "../db/schema.ts";
import type { OutboxHandler } from "../integrations/outbox-worker.ts";
import { callIntegration } from "../outbound/call-integration.ts";
import { botsThatMaySee } from "./audience.ts";
import { isSubscribable } from "./event-types.ts";

// Read for every community event, by every api instance: prepared, not built each time.
const subscriptionsOf = prepared((db) =>
  db
    .select({
      id: eventSubscriptions.id,
      botUserId: eventSubscriptions.botUserId,
      eventTypes: eventSubscriptions.eventTypes,
    })
    .from(eventSubscriptions)
    .where(eq(eventSubscriptions.communityId, sql.placeholder("communityId")))
    .prepare("event_subscriptions_of_community"),
);

/**
 * Event subscriptions as the outbox runs them: each community event a bot subscribed to and may
 * see becomes one call, a Slack Events API envelope (`event_callback`) around the event exactly as
 * the live stream carries it (less its audience list), signed with the subscription's secret.
 */
export const subscriptionCalls: OutboxHandler = {
  kind: "event_subscription",
  async callsFor(db, { event }, eventId) {
    if (!event.community_id || !isSubscribable(event.type)) return [];
    // Matched here rather than with a jsonb operator: a community has a handful of subscriptions.
    const subs = (await subscriptionsOf(db).execute({ communityId: event.community_id })).filter((s) =>
      s.eventTypes.includes(event.type),
    );
    if (subs.length === 0) return [];
    const allowed = await botsThatMaySee(
      db,
      event,
      subs.map((s) => s.botUserId),
    );
    const { audience: _, ...data } = event.data;
    const communityId = event.community_id;
    return subs
      .filter((s) => allowed.has(s.botUserId))
      .map((s) => ({
        communityId,
        kind: "event_subscription" as const,
        targetId: s.id,
        eventId: eventId(),
        payload: {
          type: "event_callback",
          team_id: communityId,
          api_app_id: s.id,
          event_id: eventId(),
          event_time: Math.floor(Date.parse(event.timestamp) / 1000),
          event: { ...event, data },
        },
      }));
  },
  async deliver(deps, row, timeoutMs) {
    const [sub] = await deps.db
      .select()
      .from(eventSubscriptions)
      .where(eq(eventSubscriptions.id, row.targetId));
    if (!sub) return null;
    const body = JSON.stringify(row.payload);
    const result = await callIntegration(deps.outbound, {
      url: sub.url,
      body,
      contentType: "application/json",
      signingSecret: sub.signingSecret,
      timeoutMs,
      // Slack's retry headers, and the event id outside the body for receivers that dedupe early.
      headers: {
        "x-ajet-event-id": row.eventId,
        ...(row.attempts > 0
          ? { "x-slack-retry-num": String(row.attempts), "x-slack-retry-reason": "http_error" }
          : {}),
      },
    });
    return { request: body, result };
  },
};
