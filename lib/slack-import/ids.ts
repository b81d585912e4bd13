import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { slackImportIds } from "../db/schema.ts";

export type SlackIdKind = "user" | "bot" | "conversation";

/**
 * A UUIDv7 made from a Slack ts and a name: the ts's milliseconds in the time field and its
 * remaining microseconds in the next 12 bits (so id order is ts order, as for messages posted
 * here), the rest from a hash of `name`. The same message imported twice gets the same id, which is
 * what makes a re-run add nothing: no mapping row per message is needed.
 */
export function idFromTs(ts: string, name: string): string {
  const [seconds = "0", fraction = ""] = ts.split(".");
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6));
  const ms = micros / 1000n;
  const subMs = Number(micros % 1000n);
  const hash = new Bun.CryptoHasher("sha256").update(name).digest();
  const b = new Uint8Array(16);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | (subMs >> 8);
  b[7] = subMs & 0xff;
  b.set(hash.subarray(0, 8), 8);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const hex = Buffer.from(b).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The local ids earlier runs made for these Slack ids of one kind. */
export async function knownIds(db: Db, communityId: string, kind: SlackIdKind, slackIds?: string[]) {
  const rows = await db
    .select({ slackId: slackImportIds.slackId, localId: slackImportIds.localId })
    .from(slackImportIds)
    .where(
      and(
        eq(slackImportIds.communityId, communityId),
        eq(slackImportIds.kind, kind),
        slackIds ? inArray(slackImportIds.slackId, slackIds) : undefined,
      ),
    );
  return new Map(rows.map((r) => [r.slackId, r.localId]));
}

export async function rememberId(
  db: Db,
  communityId: string,
  kind: SlackIdKind,
  slackId: string,
  localId: string,
) {
  await db.insert(slackImportIds).values({ communityId, kind, slackId, localId }).onConflictDoNothing();
}
