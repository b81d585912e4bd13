import { deactivatedMark } from "../../../client/views.ts";
import type { Command } from "../command.ts";

/** `communities`: the communities you belong to, with your role. */
export const communities: Command = {
  usage: "communities",
  async run(ctx) {
    const { items } = await ctx.client.communities();
    const s = ctx.out.style;
    for (const c of items) {
      ctx.out.record(
        c,
        [c.slug, c.name, c.role],
        () => `${s.bold(c.slug)}  ${c.name}  ${s.dim(c.role ?? "")}`,
      );
    }
  },
};

/**
 * `channels`: the channels you can see in the community, with unread and mention counts
 * (`--archived` adds the archived ones).
 */
export const channels: Command = {
  usage: "channels [--archived] [--community C]",
  flags: { archived: { type: "boolean" } },
  async run(ctx) {
    const all = await ctx.channelsOf(await ctx.community());
    const items = ctx.has("archived") ? all : all.filter((c) => !c.archived_at);
    const s = ctx.out.style;
    const width = Math.max(0, ...items.map((c) => (c.name ?? "").length)) + 1;
    for (const c of items) {
      const unread = c.unread_count ?? 0;
      const mentions = c.mention_count ?? 0;
      ctx.out.record(c, [`#${c.name}`, c.id, unread, mentions, c.topic], () => {
        const name = `#${c.name}`.padEnd(width + 1);
        const counts = [
          unread ? s.bold(`${unread} unread`) : "",
          mentions ? s.red(`${mentions} @`) : "",
          c.is_member ? "" : s.dim("(not joined)"),
          c.muted ? s.dim("(muted)") : "",
          c.archived_at ? s.dim("(archived)") : "",
          c.visibility === "private" ? s.dim("private") : "",
        ].filter(Boolean);
        return [c.is_member ? s.bold(name) : s.dim(name), ...counts, c.topic ? s.dim(`— ${c.topic}`) : ""]
          .filter(Boolean)
          .join("  ");
      });
    }
  },
};

/** `dms`: your DMs and group DMs, most recently active first. */
export const dms: Command = {
  usage: "dms",
  async run(ctx) {
    const [me, { items }] = await Promise.all([ctx.client.me(), ctx.client.dms()]);
    const s = ctx.out.style;
    for (const dm of items) {
      const others = dm.members.filter((m) => m.id !== me.id);
      const label = others.map((m) => `@${m.username}${deactivatedMark(m)}`).join(",") || `@${me.username}`;
      const online = others.some((m) => m.online);
      const unread = dm.unread_count ?? 0;
      ctx.out.record(dm, [label, dm.id, unread, dm.mention_count ?? 0, online ? "online" : "offline"], () =>
        [
          online ? s.green("●") : s.dim("○"),
          unread ? s.bold(label) : label,
          unread ? s.bold(`${unread} unread`) : "",
        ]
          .filter(Boolean)
          .join("  "),
      );
    }
  },
};

/** `members`: the community's members with roles. */
export const members: Command = {
  usage: "members [--community C]",
  async run(ctx) {
    const { items } = await ctx.client.members(await ctx.community());
    const s = ctx.out.style;
    for (const m of items) {
      const u = m.user;
      ctx.out.record(
        m,
        [
          `@${u.username}`,
          u.display_name,
          m.role,
          u.deactivated ? "deactivated" : u.online ? "online" : "offline",
          u.is_bot ? "bot" : "person",
        ],
        () =>
          [
            u.online ? s.green("●") : s.dim("○"),
            s.bold(`@${u.username}`),
            u.display_name,
            m.role === "member" ? "" : s.yellow(m.role),
            u.is_bot ? s.magenta("[bot]") : "",
            u.deactivated ? s.dim("(deactivated)") : "",
          ]
            .filter(Boolean)
            .join("  "),
      );
    }
  },
};

/** `presence [@user…]`: who is online in the community (or among the people named). */
export const presence: Command = {
  usage: "presence [@user…] [--community C]",
  async run(ctx) {
    const { items } = await ctx.client.members(await ctx.community());
    const wanted = ctx.args.positionals.map((p) => p.replace(/^@/, "").toLowerCase());
    const people = items
      .map((m) => m.user)
      .filter((u) => wanted.length === 0 || wanted.includes(u.username.toLowerCase()))
      .slice(0, 200);
    if (people.length === 0) return;
    const online = new Map(
      (await ctx.client.presence(people.map((u) => u.id))).items.map((p) => [p.user_id, p.online]),
    );
    const s = ctx.out.style;
    for (const u of people) {
      const on = online.get(u.id) ?? false;
      ctx.out.record(
        { user_id: u.id, username: u.username, online: on },
        [`@${u.username}`, on ? "online" : "offline"],
        () => `${on ? s.green("● online ") : s.dim("○ offline")}  @${u.username}`,
      );
    }
  },
};
