import { randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { Principal } from "../auth/authenticate.ts";
import type { Db } from "../db/client.ts";
import { eventSubscriptions, integrationOutbox, users } from "../db/schema.ts";
import { forbidden, invalid, notFound } from "../errors.ts";

export type SubscriptionRow = typeof eventSubscriptions.$inferSelect;

/** At most this many subscriptions per bot: each event is matched against all of them. */
export const SUBSCRIPTIONS_PER_BOT = 10;

/** A subscription as its bot sees it: never its signing secret. */
export function subscriptionView(s: SubscriptionRow) {
  return {
    id: s.id,
    bot_user_id: s.botUserId,
    url: s.url,
    event_types: s.eventTypes,
    created_at: s.createdAt.toISOString(),
  };
}

/** The caller as a bot of a community: only bots (API tokens) subscribe, each in its own community. */
export function checkBot(principal: Principal): { botId: string; communityId: string } {
  if (principal.via !== "token" || !principal.botCommunityId)
    throw forbidden("only a bot, with its API token, subscribes to events");
  return { botId: principal.user.id, communityId: principal.botCommunityId };
}

/**
 * A new subscription of the bot: its events go to `url` signed with a new secret, returned only
 * now. The URL is checked by the safe fetcher on every call, not here (DNS can change).
 */
export async function doCreateSubscription(
  db: Db,
  bot: { botId: string; communityId: string },
  input: { url: string; eventTypes: string[] },
) {
  const mine = await db
    .select({ id: eventSubscriptions.id })
    .from(eventSubscriptions)
    .where(eq(eventSubscriptions.botUserId, bot.botId));
  if (mine.length >= SUBSCRIPTIONS_PER_BOT)
    throw invalid(`a bot has at most ${SUBSCRIPTIONS_PER_BOT} subscriptions; delete one first`);
  const signingSecret = randomBytes(32).toString("hex");
  const [row] = await db
    .insert(eventSubscriptions)
    .values({
      communityId: bot.communityId,
      botUserId: bot.botId,
      url: input.url,
      eventTypes: [...new Set(input.eventTypes)],
      signingSecret,
    })
    .returning();
  return { subscription: subscriptionView(row as SubscriptionRow), signingSecret };
}

/** The bot's subscriptions, newest first. */
export async function listSubscriptions(db: Db, botId: string) {
  const rows = await db
    .select()
    .from(eventSubscriptions)
    .where(eq(eventSubscriptions.botUserId, botId))
    .orderBy(desc(eventSubscriptions.id));
  return rows.map(subscriptionView);
}

/** One of the bot's subscriptions; another bot's is the same 404 as none. */
export async function accessSubscription(db: Db, botId: string, id: string): Promise<SubscriptionRow> {
  const [row] = await db
    .select()
    .from(eventSubscriptions)
    .where(and(eq(eventSubscriptions.id, id), eq(eventSubscriptions.botUserId, botId)));
  if (!row) throw notFound("subscription");
  return row;
}

/** Deletes a subscription with its queued calls and dead letters. */
export async function doDeleteSubscription(db: Db, botId: string, id: string) {
  const row = await accessSubscription(db, botId, id);
  await db.transaction(async (tx) => {
    await tx.delete(eventSubscriptions).where(eq(eventSubscriptions.id, row.id));
    // Its queued calls and dead letters go with it (the outbox names no foreign key).
    await tx.delete(integrationOutbox).where(eq(integrationOutbox.targetId, row.id));
  });
  return subscriptionView(row);
}

/** Every subscription of the community with its bot's username, for the server's admin. */
export async function listCommunitySubscriptions(db: Db, communityId: string) {
  const rows = await db
    .select({ s: eventSubscriptions, username: users.username })
    .from(eventSubscriptions)
    .innerJoin(users, eq(users.id, eventSubscriptions.botUserId))
    .where(eq(eventSubscriptions.communityId, communityId))
    .orderBy(desc(eventSubscriptions.id));
  return rows.map((r) => ({ ...subscriptionView(r.s), bot: r.username }));
}
