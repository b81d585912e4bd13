import { and, eq, like, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Outgoing } from "../bus/publish.ts";
import { dropControls } from "../control-chars.ts";
import type { Db } from "../db/client.ts";
import { communities, oauthAccounts, users } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { doAcceptInvite, findInvite } from "../invites/invites.ts";
import { doClaimPlaceholder } from "../slack-import/claim.ts";
import { doCreatePerson, newPersonSchema } from "../users/create.ts";
import type { ProviderId, ProviderProfile } from "./oauth-providers.ts";
import { createSession, type SessionPolicy } from "./sessions.ts";
import { doSpendSetupToken } from "./setup.ts";

export const notInvited = () =>
  new AppError(
    "forbidden",
    "not_invited",
    "this server is invite-only: ask someone in the community for an invite link and sign in from it",
  );
const inviteGone = () =>
  new AppError(
    "not_found",
    "invite_invalid",
    "this invite link is not valid: it expired, was used up or was revoked",
  );

/** A valid username made from a provider's login, e.g. "Jane.Doe@corp" → "jane.doe-corp". */
export function usernameSeed(login: string): string {
  const seed = login
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 32)
    .replace(/[-.]+$/, "");
  return seed || "user";
}

const validUsername = (name: string) =>
  newPersonSchema.safeParse({ username: name, display_name: "x" }).success;

/** The seed itself, or the seed with the lowest free `-2`, `-3`, … suffix (cut to fit 32 characters). */
export async function freeUsername(db: Db, seed: string): Promise<string> {
  const stem = seed.slice(0, 26);
  // `_` is a LIKE wildcard and legal in names: the query may return extra names, never too few.
  const rows = await db
    .select({ username: users.username })
    .from(users)
    .where(like(users.username, `${stem}%`));
  const taken = new Set(rows.map((r) => r.username));
  for (let n = 1; n < 10_000; n++) {
    const suffix = n === 1 ? "" : `-${n}`;
    const candidate = `${seed.slice(0, 32 - suffix.length)}${suffix}`;
    if (!taken.has(candidate) && validUsername(candidate)) return candidate;
  }
  return `user-${crypto.randomUUID().slice(0, 8)}`;
}

async function linkedUser(db: Db, provider: ProviderId, providerUserId: string) {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, providerUserId)));
  return row?.user ?? null;
}

/** True until the first person exists (the login page then points to the setup link). */
export async function nobodyHereYet(db: Db): Promise<boolean> {
  const [community] = await db.select({ id: communities.id }).from(communities).limit(1);
  if (community) return false;
  const [person] = await db.select({ id: users.id }).from(users).where(eq(users.kind, "human")).limit(1);
  return person === undefined;
}

/**
 * Signs in the person a provider vouched for. Their linked account if they have one; otherwise a
 * new account, which needs a usable invite (they join its community in the same transaction) or
 * the setup link (the first person, who then creates the first community) — never just an empty
 * server, or the first stranger to find it would own it. Accounts are linked by the provider's user
 * id only, never by email, so an email claimed at another provider cannot take over an account.
 * Every login makes a new session token.
 *
 * An existing account carrying an invite joins its community after the login commits; if the invite
 * no longer works they are signed in all the same and `inviteProblem` says why.
 */
export async function doOAuthLogin(
  db: Db,
  input: {
    provider: ProviderId;
    profile: ProviderProfile;
    inviteCode: string | null;
    setupToken: string | null;
    meta: { ip?: string; userAgent?: string | null; policy?: SessionPolicy };
  },
) {
  const { provider, profile, inviteCode, meta } = input;
  const login = await db.transaction(async (tx) => {
    let user = await linkedUser(tx, provider, profile.id);
    const created = user === null;
    const events: Outgoing[] = [];
    if (!user) {
      // One new account at a time, so two people racing through one setup link do not both get in.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ajet-chat:setup'))`);
      user = (await linkedUser(tx, provider, profile.id)) ?? (await createLinkedUser(tx, input));
      if (inviteCode) events.push(...(await doAcceptInvite(tx, inviteCode, user.id, meta)).events);
    }
    const session = await createSession(tx, user.id, { ip: meta.ip, userAgent: meta.userAgent }, meta.policy);
    await recordAudit(tx, {
      action: "login",
      actorId: user.id,
      data: {
        via: "oauth",
        provider,
        new_account: created,
        ...(created && !inviteCode && { setup_link: true }),
      },
      ip: meta.ip ?? null,
    });
    return { user, token: session.token, created, events };
  });
  if (login.created || !inviteCode) return { ...login, inviteProblem: null };
  try {
    const { events } = await doAcceptInvite(db, inviteCode, login.user.id, meta);
    return { ...login, events, inviteProblem: null };
  } catch (err) {
    if (err instanceof AppError) return { ...login, inviteProblem: err.message };
    throw err;
  }
}

async function createLinkedUser(
  tx: Db,
  input: {
    provider: ProviderId;
    profile: ProviderProfile;
    inviteCode: string | null;
    setupToken: string | null;
  },
) {
  const { provider, profile, inviteCode, setupToken } = input;
  if (inviteCode) {
    const found = await findInvite(tx, inviteCode);
    if (!found) throw inviteGone();
    // A claim invite: this identity becomes the imported person the invite names.
    if (found.invite.claimUserId) {
      const user = await doClaimPlaceholder(tx, found.invite);
      await tx.insert(oauthAccounts).values({ userId: user.id, provider, providerUserId: profile.id });
      return user;
    }
  } else if (setupToken) await doSpendSetupToken(tx, setupToken);
  else throw notInvited();
  const user = await doCreatePerson(tx, {
    username: await freeUsername(tx, usernameSeed(profile.login)),
    display_name: (dropControls(profile.name ?? "", true).trim() || profile.login).slice(0, 80),
    email: profile.email,
  });
  await tx.insert(oauthAccounts).values({ userId: user.id, provider, providerUserId: profile.id });
  if (!profile.avatarUrl) return user;
  const [withAvatar] = await tx
    .update(users)
    .set({ avatarUrl: profile.avatarUrl })
    .where(eq(users.id, user.id))
    .returning();
  return withAvatar ?? user;
}
