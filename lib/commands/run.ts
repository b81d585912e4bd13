import { eq } from "drizzle-orm";
import type { Principal } from "../auth/authenticate.ts";
import { doCreateBotToken, doRevokeBotToken, listBotTokens } from "../bots/tokens.ts";
import type { Outgoing } from "../bus/publish.ts";
import { accessChannel, type ChannelAccess, checkCanPost } from "../channels/access.ts";
import { doAddChannelMember, doJoinChannel, doLeaveChannel, doUpdateChannel } from "../channels/manage.ts";
import type { CommunityRow } from "../communities/access.ts";
import { doUpdateMember } from "../communities/manage.ts";
import type { Db } from "../db/client.ts";
import { communities } from "../db/schema.ts";
import { doOpenDm } from "../dm/dm.ts";
import { forbidden, invalid } from "../errors.ts";
import { doPostMessage } from "../messages/post.ts";
import {
  doBanMember,
  doKickMember,
  doMuteMember,
  doUnbanMember,
  doUnmuteMember,
  type Moderator,
} from "../moderation/members.ts";
import { doPurgeChannel } from "../moderation/purge.ts";
import { doCreateWebhook, doRevokeWebhook, listWebhooks } from "../webhooks/manage.ts";
import { type CommandSpec, commandHelp, commandSpec, helpText, isAdminRole } from "./catalog.ts";
import { formatDuration } from "./duration.ts";
import type { Command } from "./parse.ts";
import { resolveBanned, resolveChannel, resolveKnown, resolveMember } from "./resolve.ts";

/** What changed, so clients know what to refresh. */
export type Effect = { type: string } & Record<string, unknown>;

export interface CommandOutcome {
  reply_md: string;
  effects: Effect[];
  /** To publish after the change committed. */
  events: Outgoing[];
  /** Files of deleted messages, to remove from storage after commit. */
  storageKeys: string[];
}

export interface CommandContext {
  db: Db;
  publicUrl: string;
  principal: Principal;
  /** The channel the command was typed in. */
  access: ChannelAccess;
  ip: string;
}

/**
 * Throws unless the caller may run the command here: bots need its scope (and some commands are
 * for people only); admin commands need an owner or admin of the channel's community.
 */
export function checkMayRun(spec: CommandSpec, principal: Principal, access: ChannelAccess) {
  if (spec.peopleOnly && principal.via === "token") throw forbidden(`bots cannot run /${spec.name}`);
  if (spec.scope && principal.scopes && !principal.scopes.has(spec.scope)) {
    throw forbidden(`this token lacks the ${spec.scope} scope`);
  }
  if (!spec.admin) return;
  if (!access.channel.communityId) throw invalid(`run /${spec.name} in a channel of the community`);
  if (!isAdminRole(access.role)) throw forbidden(`only owners and admins can run /${spec.name}`);
}

const done = (
  reply_md: string,
  effects: Effect[] = [],
  events: Outgoing[] = [],
  storageKeys: string[] = [],
) => ({
  reply_md,
  effects,
  events,
  storageKeys,
});

/** Runs a parsed command the caller may run (see checkMayRun), through the domain's own actions. */
export async function doRunCommand(ctx: CommandContext, command: Command): Promise<CommandOutcome> {
  const { db, principal, access } = ctx;
  const me = principal.user;
  const { channel } = access;
  const communityId = channel.communityId;
  const inCommunity = () => {
    if (!communityId)
      throw invalid(`/${command.name.split("_")[0]} works in a community's channels, not in a DM`);
    return communityId;
  };
  const moderator = (): Moderator => ({ userId: me.id, role: access.role as string });

  switch (command.name) {
    case "help": {
      if (!command.topic) return done(helpText(access.role));
      const spec = commandSpec(command.topic);
      if (!spec)
        throw invalid(
          `there is no /${command.topic} command; /help lists the ones you can run`,
          "unknown_command",
        );
      return done(commandHelp(spec));
    }
    case "join": {
      const target = await resolveChannel(db, me.id, inCommunity(), command.channel);
      const joined = await doJoinChannel(db, me.id, target);
      const already = joined.events.length === 0;
      return done(
        already ? `You are already in #${target.channel.name}.` : `Joined #${target.channel.name}.`,
        already ? [] : [{ type: "channel.joined", channel_id: target.channel.id }],
        joined.events,
      );
    }
    case "leave": {
      const left = await doLeaveChannel(db, me.id, access);
      if (left.events.length === 0) return done(`You are not in #${channel.name}.`);
      return done(`Left #${channel.name}.`, [{ type: "channel.left", channel_id: channel.id }], left.events);
    }
    case "topic": {
      const updated = await doUpdateChannel(db, me.id, access, { topic: command.topic });
      return done(
        command.topic
          ? `Topic of #${channel.name} set to: ${command.topic}`
          : `Topic of #${channel.name} cleared.`,
        [{ type: "channel.updated", channel_id: channel.id }],
        updated.events,
      );
    }
    case "invite": {
      const id = inCommunity();
      const target = command.channel ? await resolveChannel(db, me.id, id, command.channel) : access;
      const { user } = await resolveMember(db, id, command.user);
      const added = await doAddChannelMember(db, me.id, target, user.id);
      const where = `#${target.channel.name}`;
      if (!added.added) return done(`@${user.username} is already in ${where}.`);
      return done(
        `Added @${user.username} to ${where}.`,
        [{ type: "channel.member_added", channel_id: target.channel.id, user_id: user.id }],
        added.events,
      );
    }
    case "msg": {
      const user = communityId
        ? (await resolveMember(db, communityId, command.user)).user
        : await resolveKnown(db, me.id, command.user);
      const dm = await doOpenDm(db, me.id, [user.id]);
      const dmAccess = await accessChannel(db, me.id, dm.id);
      await checkCanPost(db, me.id, dmAccess);
      const posted = await doPostMessage(db, me.id, dmAccess, { bodyMd: command.text });
      return done(
        `Sent to @${user.username}.`,
        [{ type: "message.posted", channel_id: dm.id, message_id: posted.message.id }],
        posted.events,
      );
    }
    case "me": {
      await checkCanPost(db, me.id, access);
      const italic = (s: string) => s.replace(/[\\_*]/g, "\\$&");
      const posted = await doPostMessage(db, me.id, access, {
        bodyMd: `_${italic(me.username)} ${italic(command.action)}_`,
      });
      return done(
        "",
        [{ type: "message.posted", channel_id: channel.id, message_id: posted.message.id }],
        posted.events,
      );
    }
    case "ban": {
      const id = inCommunity();
      const { user, role } = await resolveMember(db, id, command.user);
      const { events } = await doBanMember(db, moderator(), id, { id: user.id, role }, command.reason);
      return done(
        `Banned @${user.username}${command.reason ? ` (${command.reason})` : ""}.`,
        [{ type: "member.banned", community_id: id, user_id: user.id }],
        events,
      );
    }
    case "unban": {
      const id = inCommunity();
      const user = await resolveBanned(db, id, command.user);
      const { events } = await doUnbanMember(db, moderator(), id, user.id);
      return done(
        `Unbanned @${user.username}; an invite lets them back in.`,
        [{ type: "member.unbanned", community_id: id, user_id: user.id }],
        events,
      );
    }
    case "kick": {
      const id = inCommunity();
      const { user, role } = await resolveMember(db, id, command.user);
      const { events } = await doKickMember(db, moderator(), id, { id: user.id, role });
      return done(
        `Removed @${user.username} from the community.`,
        [{ type: "member.removed", community_id: id, user_id: user.id }],
        events,
      );
    }
    case "mute": {
      const id = inCommunity();
      const { user, role } = await resolveMember(db, id, command.user);
      const until = new Date(Date.now() + command.durationMs);
      const { events } = await doMuteMember(db, moderator(), id, { id: user.id, role }, until);
      return done(
        `Muted @${user.username} for ${formatDuration(command.durationMs)} (until ${until.toISOString()}).`,
        [{ type: "member.muted", community_id: id, user_id: user.id, until: until.toISOString() }],
        events,
      );
    }
    case "unmute": {
      const id = inCommunity();
      const { user, role } = await resolveMember(db, id, command.user);
      const { events } = await doUnmuteMember(db, moderator(), id, { id: user.id, role });
      return done(
        `Unmuted @${user.username}.`,
        [{ type: "member.unmuted", community_id: id, user_id: user.id }],
        events,
      );
    }
    case "role": {
      const id = inCommunity();
      const { user } = await resolveMember(db, id, command.user);
      const result = await doUpdateMember(db, moderator(), await communityRow(db, id), user.id, {
        role: command.role,
      });
      return done(
        `@${user.username} is now ${command.role === "admin" ? "an admin" : "a member"}.`,
        [{ type: "member.updated", community_id: id, user_id: user.id }],
        result.events,
      );
    }
    case "purge": {
      const target = await resolveChannel(db, me.id, inCommunity(), command.channel);
      const purged = await doPurgeChannel(db, me.id, target, command.count, { ip: ctx.ip });
      return done(
        `Deleted ${purged.deleted} message${purged.deleted === 1 ? "" : "s"} in #${target.channel.name}.`,
        [{ type: "messages.deleted", channel_id: target.channel.id, count: purged.deleted }],
        purged.events,
        purged.storageKeys,
      );
    }
    case "token_create": {
      const id = inCommunity();
      const expiresAt = command.expiresInMs ? new Date(Date.now() + command.expiresInMs) : null;
      const created = await doCreateBotToken(db, me.id, id, {
        name: command.botName,
        scopes: command.scopes,
        expiresAt,
      });
      const { view } = created;
      return done(
        [
          `${created.createdBot ? "Created" : "New token for"} bot @${view.bot.username} with ${view.scopes.join(", ")}${expiresAt ? `, expiring ${expiresAt.toISOString()}` : ""}.`,
          "Its token is shown only now:",
          "```",
          created.token,
          "```",
        ].join("\n"),
        [{ type: "api_token.created", token_id: view.id, user_id: view.bot.user_id, token: created.token }],
        created.events,
      );
    }
    case "token_list": {
      const tokens = await listBotTokens(db, inCommunity());
      if (tokens.length === 0) return done("No bot tokens yet; `/token create <name>` makes one.");
      const state = (t: (typeof tokens)[number]) =>
        t.revoked_at ? "revoked" : t.expires_at && t.expires_at <= new Date() ? "expired" : "live";
      return done(
        [
          "| id | bot | scopes | state | last used |",
          "|---|---|---|---|---|",
          ...tokens.map(
            (t) =>
              `| \`${t.id}\` | @${t.bot.username} | ${t.scopes.join(" ")} | ${state(t)} | ${t.last_used_at?.toISOString() ?? "never"} |`,
          ),
        ].join("\n"),
      );
    }
    case "token_revoke": {
      const revoked = await doRevokeBotToken(db, me.id, inCommunity(), command.id);
      return done(
        `Revoked token \`${command.id}\`.`,
        [{ type: "api_token.revoked", token_id: revoked.token.id }],
        revoked.events,
      );
    }
    case "webhook_create": {
      const target = await resolveChannel(db, me.id, inCommunity(), command.channel);
      const created = await doCreateWebhook(db, me.id, target, command.hookName, ctx.publicUrl);
      return done(
        [
          `Created webhook **${command.hookName}** posting into #${target.channel.name}. Its URL is shown only now:`,
          "```",
          created.url,
          "```",
        ].join("\n"),
        [
          {
            type: "webhook.created",
            webhook_id: created.webhook.id,
            channel_id: target.channel.id,
            url: created.url,
          },
        ],
        created.events,
      );
    }
    case "webhook_list": {
      const hooks = await listWebhooks(db, inCommunity());
      if (hooks.length === 0) return done("No webhooks yet; `/webhook create #channel <name>` makes one.");
      return done(
        [
          "| id | name | channel |",
          "|---|---|---|",
          ...hooks.map((w) => `| \`${w.id}\` | ${w.name.replace(/\|/g, "\\|")} | #${w.channel_name} |`),
        ].join("\n"),
      );
    }
    case "webhook_revoke": {
      const revoked = await doRevokeWebhook(db, me.id, inCommunity(), command.id);
      return done(
        `Revoked webhook **${revoked.webhook.name}**; its URL no longer works.`,
        [{ type: "webhook.revoked", webhook_id: command.id }],
        revoked.events,
      );
    }
  }
}

async function communityRow(db: Db, id: string): Promise<CommunityRow> {
  const [row] = await db.select().from(communities).where(eq(communities.id, id));
  return row as CommunityRow;
}
