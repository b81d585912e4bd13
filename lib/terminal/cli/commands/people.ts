import { deactivatedMark, messageLink } from "../../../client/views.ts";
import type { Command } from "../command.ts";
import { required } from "../context.ts";
import { messageId } from "./messages.ts";

/** `link <message-id>`: the message's permalink (checked: you can read it). */
export const link: Command = {
  usage: "link <message-id>",
  async run(ctx) {
    const m = await ctx.client.message(await messageId(ctx, 0));
    const url = messageLink(ctx.session.server, m.id);
    ctx.out.record({ id: m.id, channel_id: m.channel_id, url }, [url], () => url);
  },
};

/** `whois @user`: a member's profile: names, role, status. */
export const whois: Command = {
  usage: "whois @user [--community C]",
  async run(ctx) {
    const member = await ctx.user(required(ctx.args, 0, "@user"));
    const u = await ctx.client.user(member.id);
    const status = u.deactivated ? "deactivated" : u.online ? "online" : "offline";
    const dnd = u.dnd_until ?? null;
    const s = ctx.out.style;
    ctx.out.record(
      u,
      [`@${u.username}`, u.display_name, status, dnd ?? "", u.is_bot ? "bot" : "person"],
      () =>
        [
          `${s.bold(u.display_name)}${deactivatedMark(u)}  @${u.username}${u.is_bot ? `  ${s.magenta("[bot]")}` : ""}`,
          `  ${u.online ? s.green("● online") : s.dim("○ offline")}${dnd ? `  ${s.yellow(`do not disturb until ${new Date(dnd).toLocaleString()}`)}` : ""}`,
          u.avatar_url ? `  avatar ${u.avatar_url}` : "",
        ]
          .filter(Boolean)
          .join("\n"),
    );
  },
};
