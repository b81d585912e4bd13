import type { Outgoing } from "../bus/publish.ts";
import { type ChannelAccess, checkCanPost } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { doPostMessage, MAX_BODY_CHARS } from "../messages/post.ts";
import type { CommandReply } from "./reply.ts";

/** Who typed the command, where, and which command it was. */
export interface ReplyTarget {
  commandName: string;
  userId: string;
  access: ChannelAccess;
}

/** The marker under a reply posted in the channel, so nobody takes the app's words for the typer's own. */
export const viaMarker = (commandName: string) => `_via /${commandName}_`;

/**
 * Shows a command's reply as Slack would. Ephemeral: text for the typer only (the caller delivers
 * it). In channel: a message posted as the person who typed the command, marked "via /name" (so
 * the channel sees who called it and the app cannot speak where its caller could not); when they
 * may not post there, the reply falls back to them alone with the reason.
 */
export async function showReply(
  db: Db,
  target: ReplyTarget,
  reply: CommandReply,
): Promise<{ reply_md: string; effects: { type: string; [key: string]: unknown }[]; events: Outgoing[] }> {
  if (reply.responseType === "ephemeral") return { reply_md: reply.md, effects: [], events: [] };
  const marker = `\n\n${viaMarker(target.commandName)}`;
  const body =
    reply.md.length + marker.length > MAX_BODY_CHARS
      ? `${reply.md.slice(0, MAX_BODY_CHARS - marker.length - 1)}…${marker}`
      : `${reply.md}${marker}`;
  try {
    await checkCanPost(db, target.userId, target.access);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { reply_md: `${reply.md}\n\n_(shown only to you: ${err.message})_`, effects: [], events: [] };
  }
  const posted = await doPostMessage(db, target.userId, target.access, { bodyMd: body });
  return {
    reply_md: "",
    effects: [
      { type: "message.posted", channel_id: target.access.channel.id, message_id: posted.message.id },
    ],
    events: posted.events,
  };
}
