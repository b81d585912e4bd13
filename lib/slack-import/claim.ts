import { and, eq, isNotNull } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { issueToken } from "../auth/tokens.ts";
import type { Db } from "../db/client.ts";
import { invites, oauthAccounts, slackImportIds, users } from "../db/schema.ts";
import { AppError, invalid } from "../errors.ts";

// Long enough to reach someone by mail over a weekend; short enough that a forgotten link dies.
const CLAIM_TTL_MS = 7 * 86_400_000;

const claimed = () =>
  new AppError("conflict", "already_claimed", "this imported account has been claimed already");

/**
 * A one-use invite link that makes whoever signs in through it the imported person `user` — their
 * Slack history, channels and DMs become theirs. Placeholders are claimed this way only: the admin
 * decides who is who, rather than an email address a provider may not have verified. Only an
 * unclaimed placeholder of this community's import can be claimed. The link is shown once.
 */
export async function doCreateClaimInvite(
  db: Db,
  communityId: string,
  user: typeof users.$inferSelect,
  publicUrl: string,
  actor: Record<string, unknown>,
) {
  const [placeholder] = await db
    .select({ id: slackImportIds.localId })
    .from(slackImportIds)
    .where(
      and(
        eq(slackImportIds.communityId, communityId),
        eq(slackImportIds.kind, "user"),
        eq(slackImportIds.localId, user.id),
      ),
    );
  if (!placeholder || user.kind !== "human")
    throw invalid(`@${user.username} is not a person imported from Slack into this community`);
  const [linked] = await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id)).limit(1);
  if (!user.deactivatedAt || linked) throw claimed();
  const { token, id, hash } = issueToken("invite");
  await db.insert(invites).values({
    id,
    communityId,
    codeHash: hash,
    maxUses: 1,
    expiresAt: new Date(Date.now() + CLAIM_TTL_MS),
    claimUserId: user.id,
  });
  await recordAudit(db, {
    action: "invite.created",
    actorId: null,
    communityId,
    targetType: "invite",
    targetId: id,
    data: { ...actor, claims: user.username },
  });
  return `${publicUrl}/invite/${token}`;
}

/**
 * Claims a claim invite's placeholder: it becomes an active account, returned for the caller to sign
 * in (or link a provider's identity to); accepting the invite in the same transaction spends it.
 * Two people racing on one link: one gets it.
 */
export async function doClaimPlaceholder(db: Db, invite: typeof invites.$inferSelect) {
  const claimUserId = invite.claimUserId;
  if (!claimUserId) throw invalid("this invite claims no account");
  const [user] = await db
    .update(users)
    .set({ deactivatedAt: null })
    .where(and(eq(users.id, claimUserId), isNotNull(users.deactivatedAt)))
    .returning();
  if (!user) throw claimed();
  await recordAudit(db, {
    action: "user.claimed",
    actorId: user.id,
    communityId: invite.communityId,
    targetType: "user",
    targetId: user.id,
  });
  return user;
}
