import { and, eq, lt } from "drizzle-orm";
import type { Principal } from "../auth/authenticate.ts";
import { issueToken } from "../auth/tokens.ts";
import type { Outgoing } from "../bus/publish.ts";
import { accessChannel, type ChannelAccess } from "../channels/access.ts";
import type { Db } from "../db/client.ts";
import { communities, slashCommandResponses } from "../db/schema.ts";
import { recordDelivery } from "../integrations/delivery-log.ts";
import { callIntegration } from "../outbound/call-integration.ts";
import type { Outbound } from "../outbound/fetch.ts";
import { findSlashCommand, type SlashCommandRow } from "./manage.ts";
import { type CommandReply, readCommandReply } from "./reply.ts";
import { showReply } from "./show.ts";

/** Slack gives an app 3 s to answer a command; later answers go to the response_url. */
export const COMMAND_TIMEOUT_MS = 3000;
/** How long, and how often, an app may answer later through its response_url (Slack's rule). */
export const RESPONSE_URL_MINUTES = 30;
export const RESPONSE_URL_USES = 5;

/** `/name rest…` when the text calls a command by a name a custom command could have; null otherwise. */
export function customCommandLine(text: string): { name: string; text: string } | null {
  const m = /^\s*\/([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s+([\s\S]*))?$/.exec(text);
  return m ? { name: (m[1] as string).toLowerCase(), text: (m[2] ?? "").trim() } : null;
}

/**
 * The community's own command that `text` calls, in the channel it was typed in, with the caller's
 * access there (a channel they may not see is a 404 as everywhere); null when the text calls none.
 */
export async function accessCustomCommand(db: Db, userId: string, channelId: string, text: string) {
  const line = customCommandLine(text);
  if (!line) return null;
  const access = await accessChannel(db, userId, channelId);
  const communityId = access.channel.communityId;
  const command = communityId ? await findSlashCommand(db, communityId, line.name) : null;
  return command ? { command, access, text: line.text } : null;
}

export interface InvokeDeps {
  db: Db;
  outbound: Outbound;
  publicUrl: string;
}

/** What the typer sees now, and what to publish once it has all committed. */
export interface InvokeOutcome {
  reply_md: string;
  effects: { type: string; [key: string]: unknown }[];
  events: Outgoing[];
}

/**
 * Runs a custom command as Slack would: POSTs Slack's form, signed with the command's secret, and
 * shows the answer (to the typer, or in the channel). Every call lands in the command's delivery
 * log; a failure is told to the typer in words, never dropped.
 */
export async function doInvokeSlashCommand(
  deps: InvokeDeps,
  command: SlashCommandRow,
  principal: Principal,
  access: ChannelAccess,
  text: string,
): Promise<InvokeOutcome> {
  const { db } = deps;
  const user = principal.user;
  const [community] = await db
    .select({ slug: communities.slug })
    .from(communities)
    .where(eq(communities.id, command.communityId));
  const issued = issueToken("commandResponse");
  // The command's URLs past their 30 minutes go as new ones come, so the table holds only live ones.
  await db
    .delete(slashCommandResponses)
    .where(
      and(eq(slashCommandResponses.commandId, command.id), lt(slashCommandResponses.expiresAt, new Date())),
    );
  await db.insert(slashCommandResponses).values({
    id: issued.id,
    commandId: command.id,
    channelId: access.channel.id,
    userId: user.id,
    tokenHash: issued.hash,
    expiresAt: new Date(Date.now() + RESPONSE_URL_MINUTES * 60_000),
  });
  const form = new URLSearchParams({
    token: command.verificationToken,
    team_id: command.communityId,
    team_domain: community?.slug ?? "",
    channel_id: access.channel.id,
    channel_name: access.channel.name,
    user_id: user.id,
    user_name: user.username,
    command: `/${command.name}`,
    text,
    api_app_id: command.id,
    is_enterprise_install: "false",
    response_url: `${deps.publicUrl}/commands/respond/${issued.token}`,
    trigger_id: crypto.randomUUID(),
  }).toString();
  const result = await callIntegration(deps.outbound, {
    url: command.url,
    body: form,
    contentType: "application/x-www-form-urlencoded",
    signingSecret: command.signingSecret,
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  await recordDelivery(db, {
    communityId: command.communityId,
    kind: "slash_command",
    subjectId: command.id,
    request: form,
    result,
  });
  const name = `/${command.name}`;
  if (!result.ok) {
    const said = result.error?.startsWith("timed out")
      ? `${name} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s`
      : `${name} failed: ${result.error ?? "no answer"}`;
    return {
      reply_md: said,
      effects: [{ type: "command.failed", command: name, error: result.error }],
      events: [],
    };
  }
  const reply: CommandReply | null = readCommandReply(result.body, result.contentType);
  if (!reply) return { reply_md: "", effects: [], events: [] };
  return showReply(db, { commandName: command.name, userId: user.id, access }, reply);
}
