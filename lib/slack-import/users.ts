import { freeUsername, usernameSeed } from "../auth/oauth-login.ts";
import { dropControls } from "../control-chars.ts";
import type { Db } from "../db/client.ts";
import { communityMembers, users } from "../db/schema.ts";
import { knownIds, rememberId, type SlackIdKind } from "./ids.ts";
import type { SlackUser } from "./model.ts";
import type { ImportReport } from "./report.ts";

/** Slack user ids (and bot names) to the local accounts standing for them. */
export type PeopleMap = Map<string, string>;

const displayName = (u: SlackUser) =>
  (
    dropControls(
      u.real_name || u.profile?.real_name || u.profile?.display_name || u.name || "",
      true,
    ).trim() || u.id
  ).slice(0, 80);

/**
 * Each Slack person (and bot) as an account of the community: a placeholder, deactivated, with the
 * Slack name and email, until its person claims it. Nothing can sign in as a placeholder and nobody
 * can DM it; its history reads as theirs. People made by an earlier run are found, not made again.
 */
export async function doImportUsers(
  db: Db,
  communityId: string,
  slackUsers: SlackUser[],
  report: ImportReport,
): Promise<PeopleMap> {
  const known = await knownIds(db, communityId, "user");
  for (const u of slackUsers) {
    if (known.has(u.id)) {
      report.users.existing++;
      continue;
    }
    const id = await createPlaceholder(db, communityId, "user", u.id, {
      seed: u.name || displayName(u),
      displayName: displayName(u),
      email: u.profile?.email ?? null,
      bot: Boolean(u.is_bot || u.is_app_user),
    });
    known.set(u.id, id);
    report.users.created++;
    if (u.deleted) report.users.deactivated++;
  }
  return known;
}

/**
 * The account for a bot message without a person behind it (an integration or incoming webhook),
 * one per name it posted under, made on first use.
 */
export async function botAccount(db: Db, communityId: string, bots: PeopleMap, name: string) {
  const found = bots.get(name) ?? (await knownIds(db, communityId, "bot", [name])).get(name);
  if (found) return found;
  const id = await createPlaceholder(db, communityId, "bot", name, {
    seed: name,
    displayName: dropControls(name, true).trim().slice(0, 80) || "bot",
    email: null,
    bot: true,
  });
  bots.set(name, id);
  return id;
}

async function createPlaceholder(
  db: Db,
  communityId: string,
  kind: SlackIdKind,
  slackId: string,
  who: { seed: string; displayName: string; email: string | null; bot: boolean },
) {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({
        username: await freeUsername(tx, usernameSeed(who.seed)),
        displayName: who.displayName,
        email: who.email,
        kind: who.bot ? "bot" : "human",
        deactivatedAt: new Date(),
      })
      .returning({ id: users.id });
    const id = (user as { id: string }).id;
    await tx.insert(communityMembers).values({ communityId, userId: id }).onConflictDoNothing();
    await rememberId(tx, communityId, kind, slackId, id);
    return id;
  });
}
