import { accessCommunity } from "../communities/access.ts";
import type { Db } from "../db/client.ts";
import { forbidden } from "../errors.ts";

/** The community whose audit log the caller asks for, if they own it; admins and members get 403. */
export async function accessAuditLog(db: Db, userId: string, slug: string) {
  const { community, member } = await accessCommunity(db, userId, slug);
  if (member.role !== "owner") throw forbidden("only the community's owner can read its audit log");
  return community;
}
