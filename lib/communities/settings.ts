import { eq } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/client.ts";
import { communities } from "../db/schema.ts";
import { type CommunityRow, checkAdmin, communityView, type MemberRow } from "./access.ts";

/** Owners and admins change the community's settings (link previews on or off); audited. */
export async function doUpdateCommunitySettings(
  db: Db,
  actor: { userId: string; member: Pick<MemberRow, "role"> },
  community: CommunityRow,
  settings: { unfurlLinks?: boolean },
) {
  checkAdmin(actor.member, "change the community's settings");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(communities)
      .set(settings)
      .where(eq(communities.id, community.id))
      .returning();
    await recordAudit(tx, {
      action: "community.settings_changed",
      actorId: actor.userId,
      communityId: community.id,
      targetType: "community",
      targetId: community.id,
      data: settings,
    });
    return communityView(row as CommunityRow, actor.member);
  });
}
