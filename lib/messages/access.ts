import { eq } from "drizzle-orm";
import { accessChannel } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import { messageColumns } from "./row.ts";

/** The message and its channel if the caller may read that channel; otherwise 404 as if it did not exist. */
export async function accessMessage(db: Db, userId: string, messageId: string) {
  const [message] = await db.select(messageColumns).from(messages).where(eq(messages.id, messageId));
  if (!message) throw notFound("message");
  try {
    return { message, ...(await accessChannel(db, userId, message.channelId)) };
  } catch {
    throw notFound("message");
  }
}
