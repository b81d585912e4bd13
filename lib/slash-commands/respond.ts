import { and, eq, gt, lt, sql } from "drizzle-orm";
import { parseToken, secretMatches } from "../auth/tokens.ts";
import { envelope } from "../bus/envelope.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import { accessChannel } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { slashCommandResponses, slashCommands } from "../db/schema.ts";
import { isKind } from "../errors.ts";
import { recordDelivery } from "../integrations/delivery-log.ts";
import { RESPONSE_URL_USES } from "./invoke.ts";
import { readCommandReply } from "./reply.ts";
import { showReply } from "./show.ts";

/** Slack's words for a response_url that no longer takes answers. */
export type RespondRefusal = "expired_url" | "used_url" | "no_text";

export type RespondResult = { ok: true; events: Outgoing[] } | { ok: false; refusal: RespondRefusal };

/** The event that brings a later ephemeral answer to the typer's own clients, and nobody else's. */
export const ephemeralReplyEvent = (
  userId: string,
  channelId: string,
  command: string,
  md: string,
): Outgoing => ({
  subject: subjects.notifications(userId),
  event: envelope("command.replied", {
    channel_id: channelId,
    data: { command: `/${command}`, reply_md: md },
  }),
});

/**
 * An app's later answer to one invocation, posted to its response_url. A use is taken before the
 * answer is read (one statement, so six concurrent posts cannot all pass), and only while the URL
 * is within its 30 minutes; an unknown, wrong, expired or used-up URL is refused in Slack's words.
 * The typer's access is read afresh: someone who left a private channel since gets nothing posted there.
 * `replace_original` and `delete_original` are ignored: an ephemeral reply is not kept to replace.
 */
export async function doRespondToCommand(
  db: Db,
  token: string,
  body: string,
  contentType: string,
): Promise<RespondResult> {
  const parsed = parseToken("commandResponse", token);
  if (!parsed) return { ok: false, refusal: "expired_url" };
  const [row] = await db
    .select({ response: slashCommandResponses, command: slashCommands })
    .from(slashCommandResponses)
    .innerJoin(slashCommands, eq(slashCommands.id, slashCommandResponses.commandId))
    .where(eq(slashCommandResponses.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.response.tokenHash))
    return { ok: false, refusal: "expired_url" };
  const { response, command } = row;
  const [taken] = await db
    .update(slashCommandResponses)
    .set({ uses: sql`${slashCommandResponses.uses} + 1` })
    .where(
      and(
        eq(slashCommandResponses.id, response.id),
        lt(slashCommandResponses.uses, RESPONSE_URL_USES),
        gt(slashCommandResponses.expiresAt, new Date()),
      ),
    )
    .returning({ uses: slashCommandResponses.uses });
  const log = (ok: boolean, error: string | null) =>
    recordDelivery(db, {
      communityId: command.communityId,
      kind: "slash_command",
      subjectId: command.id,
      request: body,
      result: { ok, status: ok ? 200 : 404, latencyMs: 0, error },
    });
  if (!taken) {
    const refusal = response.expiresAt <= new Date() ? "expired_url" : "used_url";
    await log(false, `response_url refused: ${refusal === "expired_url" ? "expired" : "used 5 times"}`);
    return { ok: false, refusal };
  }
  const reply = readCommandReply(body, contentType);
  if (!reply) {
    await log(false, "response_url answer had no text or blocks");
    return { ok: false, refusal: "no_text" };
  }
  await log(true, null);
  let access: Awaited<ReturnType<typeof accessChannel>>;
  try {
    access = await accessChannel(db, response.userId, response.channelId);
  } catch (err) {
    if (isKind(err, "not_found", "forbidden")) return { ok: true, events: [] };
    throw err;
  }
  const shown = await showReply(db, { commandName: command.name, userId: response.userId, access }, reply);
  const events = shown.reply_md
    ? [
        ephemeralReplyEvent(response.userId, response.channelId, command.name, shown.reply_md),
        ...shown.events,
      ]
    : shown.events;
  return { ok: true, events };
}
