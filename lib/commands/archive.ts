import { communityOf, defineCommand, outcome } from "./command.ts";

/** `/archive` and `/unarchive` (unarchive.ts): one definition, two names. */
export function archiveSwitch(archived: boolean) {
  const name = archived ? "archive" : "unarchive";
  return defineCommand({
    name,
    usage: [`/${name} [#channel]`],
    summary: archived ? "Archive a channel: read-only and out of the list" : "Bring an archived channel back",
    details: archived
      ? "Archives the channel named, or the one the command is typed in. Its history stays readable and searchable; nobody can post, react or join; it leaves the channel list (browse shows archived channels). #general cannot be archived."
      : "Unarchives the channel named (or this one): people can post and join again.",
    admin: true,
    scope: "channels:write",
    parse(a) {
      const channel = a.optionalChannel();
      a.end();
      return { channel };
    },
    async run(ctx, { channel: ref }) {
      const { doSetArchived } = await import("../channels/archive.ts");
      const { resolveChannel } = await import("./resolve.ts");
      const communityId = communityOf(ctx, name);
      const target = ref ? await resolveChannel(ctx.db, ctx.principal.user.id, communityId, ref) : ctx.access;
      const { channel, events } = await doSetArchived(ctx.db, ctx.principal.user.id, target, archived, {
        ip: ctx.ip,
      });
      return outcome(
        archived ? `Archived #${channel.name}.` : `Unarchived #${channel.name}.`,
        [{ type: archived ? "channel.archived" : "channel.unarchived", channel_id: channel.id }],
        events,
      );
    },
  });
}

export const archive = archiveSwitch(true);
