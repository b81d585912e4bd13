import { and, eq, gt, lt } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { deviceCodes } from "../db/schema.ts";
import { createSession, type SessionPolicy } from "./sessions.ts";
import { issueToken, parseToken, secretMatches } from "./tokens.ts";

/** How long a terminal may wait for approval, and how often it may ask (RFC 8628 §3.2). */
export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 2;

// RFC 8628 §6.1: consonants only, so no code spells a word and none are confused (no 0/O, 1/I).
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export type DeviceCodeRow = typeof deviceCodes.$inferSelect;

/** Eight letters as "WDJB-MJHT": 20⁸ ≈ 2.6·10¹⁰ codes, few of which are live at once. */
export function newUserCode(): string {
  const letters: string[] = [];
  while (letters.length < 8) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // 240 is the largest multiple of 20 below 256: rejecting the rest keeps every letter equally likely.
      if (byte < 240 && letters.length < 8) letters.push(USER_CODE_ALPHABET[byte % 20] as string);
    }
  }
  return `${letters.slice(0, 4).join("")}-${letters.slice(4).join("")}`;
}

/** What a person typed, as stored: "wdjb mjht" and "WDJBMJHT" both become "WDJB-MJHT"; null if not a code. */
export function normalizeUserCode(typed: string): string | null {
  const letters = typed.toUpperCase().replace(/[^A-Z]/g, "");
  if (letters.length !== 8 || [...letters].some((c) => !USER_CODE_ALPHABET.includes(c))) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/**
 * A terminal asks to sign in: a secret device code for it to poll with (only its hash is stored)
 * and a short user code for a person to approve in a browser. Long-expired requests are swept here.
 */
export async function doStartDeviceLogin(
  db: Db,
  request: { clientName: string; ip: string | null },
  now = new Date(),
) {
  await db.delete(deviceCodes).where(lt(deviceCodes.expiresAt, new Date(now.getTime() - 86_400_000)));
  const expiresAt = new Date(now.getTime() + DEVICE_CODE_TTL_SECONDS * 1000);
  for (let attempt = 0; ; attempt++) {
    const { token, id, hash } = issueToken("device");
    const userCode = newUserCode();
    try {
      await db.insert(deviceCodes).values({
        id,
        userCode,
        deviceCodeHash: hash,
        clientName: request.clientName,
        ip: request.ip,
        expiresAt,
        createdAt: now,
      });
      return { deviceCode: token, userCode, expiresAt };
    } catch (err) {
      // Two live codes alike are rare (see newUserCode); another draw settles it.
      if (attempt < 4 && isUniqueViolation(err, "device_codes_user_code_unique")) continue;
      throw err;
    }
  }
}

/** The pending, unexpired request behind a user code, or null. */
export async function findPendingDeviceLogin(
  db: Db,
  typedCode: string,
  now = new Date(),
): Promise<DeviceCodeRow | null> {
  const userCode = normalizeUserCode(typedCode);
  if (!userCode) return null;
  const [row] = await db
    .select()
    .from(deviceCodes)
    .where(
      and(
        eq(deviceCodes.userCode, userCode),
        eq(deviceCodes.status, "pending"),
        gt(deviceCodes.expiresAt, now),
      ),
    );
  return row ?? null;
}

/**
 * A signed-in person approves (the terminal will be signed in as them) or denies a pending request.
 * Null when the code is unknown, expired or already decided: each request is decided once.
 */
export async function doDecideDeviceLogin(
  db: Db,
  typedCode: string,
  decision: { userId: string; approve: boolean; ip?: string | null },
  now = new Date(),
): Promise<DeviceCodeRow | null> {
  const userCode = normalizeUserCode(typedCode);
  if (!userCode) return null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(deviceCodes)
      .set({ status: decision.approve ? "approved" : "denied", userId: decision.userId })
      .where(
        and(
          eq(deviceCodes.userCode, userCode),
          eq(deviceCodes.status, "pending"),
          gt(deviceCodes.expiresAt, now),
        ),
      )
      .returning();
    if (!row) return null;
    await recordAudit(tx, {
      action: decision.approve ? "device.approved" : "device.denied",
      actorId: decision.userId,
      targetType: "device_code",
      targetId: row.id,
      data: { client_name: row.clientName, requested_from: row.ip },
      ip: decision.ip ?? null,
    });
    return row;
  });
}

/**
 * Remembers when each device code last polled, to answer `slow_down` to a terminal polling faster
 * than the interval, in this process (lib/limits/limits.ts shares it in PostgreSQL instead).
 */
export function createPollPacer(intervalMs = DEVICE_POLL_INTERVAL_SECONDS * 1000) {
  const lastPoll = new Map<string, number>();
  return {
    /** True when this poll came too soon after the previous one. Every poll counts as the latest. */
    tooSoon(id: string, nowMs: number): boolean {
      const previous = lastPoll.get(id);
      lastPoll.set(id, nowMs);
      if (lastPoll.size > 10_000) {
        const cutoff = nowMs - DEVICE_CODE_TTL_SECONDS * 1000;
        for (const [key, at] of lastPoll) if (at < cutoff) lastPoll.delete(key);
      }
      return previous !== undefined && nowMs - previous < intervalMs;
    },
  };
}
/** Says whether a poll came too soon; the one shared by all gateways answers from the database. */
export interface PollPacer {
  tooSoon(id: string, nowMs: number): boolean | Promise<boolean>;
}

export type DevicePoll =
  | { outcome: "issued"; token: string; userId: string }
  | { outcome: "invalid" | "expired" | "slow_down" | "denied" | "pending" };

/**
 * The terminal polls with its device code. Once approved, the first poll turns the approval into a
 * new session (the row becomes `issued` in the same transaction, so a racing second poll cannot get
 * a token too); later polls of that code answer `expired`.
 */
export async function doPollDeviceLogin(
  db: Db,
  deviceCode: string,
  context: { pacer: PollPacer; ip?: string; policy?: SessionPolicy },
  now = new Date(),
): Promise<DevicePoll> {
  const parsed = parseToken("device", deviceCode);
  if (!parsed) return { outcome: "invalid" };
  const [row] = await db.select().from(deviceCodes).where(eq(deviceCodes.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.deviceCodeHash)) return { outcome: "invalid" };
  if (row.status === "issued" || row.expiresAt <= now) return { outcome: "expired" };
  if (await context.pacer.tooSoon(row.id, now.getTime())) return { outcome: "slow_down" };
  if (row.status === "denied") return { outcome: "denied" };
  if (row.status !== "approved" || !row.userId) return { outcome: "pending" };
  const userId = row.userId;
  return db.transaction(async (tx): Promise<DevicePoll> => {
    const [claimed] = await tx
      .update(deviceCodes)
      .set({ status: "issued" })
      .where(and(eq(deviceCodes.id, row.id), eq(deviceCodes.status, "approved")))
      .returning({ id: deviceCodes.id });
    if (!claimed) return { outcome: "expired" };
    const { token } = await createSession(
      tx,
      userId,
      { ip: context.ip, userAgent: `${row.clientName} (terminal login)` },
      context.policy,
      now,
    );
    await recordAudit(tx, {
      action: "login",
      actorId: userId,
      targetType: "device_code",
      targetId: row.id,
      data: { via: "device", client_name: row.clientName },
      ip: context.ip ?? null,
    });
    return { outcome: "issued", token, userId };
  });
}
