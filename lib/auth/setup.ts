import { and, eq, isNull, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/client.ts";
import { communities, setupTokens } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { doCreatePerson, type NewPerson } from "../users/create.ts";
import { createSession, type SessionPolicy } from "./sessions.ts";
import { issueToken, parseToken, secretMatches } from "./tokens.ts";

const goneLink = () =>
  new AppError(
    "not_found",
    "setup_link_invalid",
    "this setup link is not valid: it was used already, or setup is done",
  );

async function anyCommunity(db: Db) {
  const [row] = await db.select({ id: communities.id }).from(communities).limit(1);
  return row !== undefined;
}

/**
 * While no community exists, makes a new one-time setup token (earlier unused ones stop working)
 * and returns it; once one exists, returns null.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ajet-chat:setup'))`);
    if (await anyCommunity(tx)) return null;
    await tx.delete(setupTokens).where(isNull(setupTokens.usedAt));
    const { token, id, hash } = issueToken("setup");
    await tx.insert(setupTokens).values({ id, tokenHash: hash });
    return token;
  });
}

/** True when the token is an unused setup token and setup is not done. */
export async function checkSetupToken(db: Db, token: string): Promise<boolean> {
  const parsed = parseToken("setup", token);
  if (!parsed) return false;
  const [row] = await db
    .select()
    .from(setupTokens)
    .where(and(eq(setupTokens.id, parsed.id), isNull(setupTokens.usedAt)));
  return row !== undefined && secretMatches(parsed.secret, row.tokenHash) && !(await anyCommunity(db));
}

/**
 * Spends the setup link inside the caller's transaction, which is about to create the first
 * person: the row is locked and marked used, so the link works once, and never after a community
 * exists. Throws `setup_link_invalid` otherwise.
 */
export async function doSpendSetupToken(tx: Db, token: string): Promise<void> {
  const parsed = parseToken("setup", token);
  if (!parsed) throw goneLink();
  const [row] = await tx
    .select()
    .from(setupTokens)
    .where(and(eq(setupTokens.id, parsed.id), isNull(setupTokens.usedAt)))
    .for("update");
  if (!row || !secretMatches(parsed.secret, row.tokenHash) || (await anyCommunity(tx))) throw goneLink();
  await tx.update(setupTokens).set({ usedAt: new Date() }).where(eq(setupTokens.id, row.id));
}

/** Uses the setup link with a picked name: creates the first person and signs them in. */
export async function doSetupFirstUser(
  db: Db,
  token: string,
  person: NewPerson,
  meta: { ip?: string; userAgent?: string | null; policy?: SessionPolicy },
) {
  return db.transaction(async (tx) => {
    await doSpendSetupToken(tx, token);
    const user = await doCreatePerson(tx, person);
    const session = await createSession(tx, user.id, { ip: meta.ip, userAgent: meta.userAgent }, meta.policy);
    await recordAudit(tx, { action: "login.setup", actorId: user.id, ip: meta.ip ?? null });
    return { user, token: session.token };
  });
}
