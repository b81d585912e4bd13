import { whyNotified } from "../../../client/views.ts";
import { decodeEntities } from "../../../markdown/entities.ts";
import { intFlag } from "../args.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { authorLabel, shortTime } from "../format.ts";

/** Labels for the channels of some results: one request per distinct channel. */
async function channelLabels(ctx: Context, ids: string[]) {
  const unique = [...new Set(ids)];
  const labels = await Promise.all(
    unique.map((id) =>
      ctx.client.channel(id).then(
        (c) => (c.name ? `#${c.name}` : "dm"),
        () => "?",
      ),
    ),
  );
  return new Map(unique.map((id, i) => [id, labels[i] as string]));
}

/** `search <query>`: messages you can read, best match first. */
export const search: Command = {
  usage: "search <query…> [--in #channel] [--from @user] [--limit N]",
  flags: { in: { type: "string" }, from: { type: "string" }, limit: { type: "string", short: "n" } },
  async run(ctx) {
    const q = ctx.args.positionals.join(" ").trim();
    if (!q) throw new CliError(EXIT.usage, "missing the words to search for");
    const within = ctx.flag("in");
    const channel = within ? (await ctx.target(within)).id : undefined;
    const explicit = ctx.flag("community") ?? ctx.session.profile?.community;
    const page = await ctx.client.search({
      q,
      channel,
      community: channel ? undefined : explicit,
      from: ctx.flag("from")?.replace(/^@/, ""),
      limit: intFlag(ctx.args.flags, "limit", 20, 100),
    });
    const labels = await channelLabels(
      ctx,
      page.items.map((i) => i.message.channel_id),
    );
    const s = ctx.out.style;
    for (const hit of page.items) {
      const m = hit.message;
      const label = labels.get(m.channel_id) ?? "";
      const text = decodeEntities(hit.snippet.replace(/<\/?mark>/g, ""));
      ctx.out.record(hit, [m.id, m.created_at, label, authorLabel(m), text], () => {
        const marked = decodeEntities(
          hit.snippet.replace(/<mark>(.*?)<\/mark>/g, (_all, w: string) => s.bold(s.yellow(w))),
        );
        return `${s.bold(s.cyan(authorLabel(m)))}  ${s.dim(shortTime(m.created_at))}  ${s.dim(label)}  ${s.gray(m.id)}\n  ${marked}`;
      });
    }
  },
};

/**
 * `notifications`: newest first (`--unread` only unread; `--read-all` marks them all read; `--why`
 * says which rule fired for each).
 */
export const notifications: Command = {
  usage: "notifications [--unread] [--why] [--read-all] [--limit N]",
  flags: {
    unread: { type: "boolean" },
    why: { type: "boolean" },
    "read-all": { type: "boolean" },
    limit: { type: "string", short: "n" },
  },
  async run(ctx) {
    const s = ctx.out.style;
    if (ctx.has("read-all")) {
      const result = await ctx.client.markNotificationsRead({ all: true });
      const n = result.read_ids.length;
      ctx.out.record(result, [n], () => `${s.green("✓")} marked ${n} notification${n === 1 ? "" : "s"} read`);
      return;
    }
    const page = await ctx.client.notifications({
      unread: ctx.has("unread") ? true : undefined,
      limit: intFlag(ctx.args.flags, "limit", 20, 200),
    });
    const actors = new Map(
      await Promise.all(
        [...new Set(page.items.map((n) => n.actor_id).filter((id): id is string => id !== null))].map(
          async (id) =>
            [
              id,
              await ctx.client.user(id).then(
                (u) => `@${u.username}`,
                () => "someone",
              ),
            ] as const,
        ),
      ),
    );
    if (ctx.out.mode === "tty") ctx.out.line(s.dim(`${page.unread_count} unread`));
    for (const n of page.items) {
      const actor = n.actor_id ? (actors.get(n.actor_id) ?? "") : "";
      const why = ctx.has("why") ? [whyNotified(n.reason)] : [];
      const record = ctx.has("why") ? { ...n, why: why[0] } : n;
      ctx.out.record(
        record,
        [n.id, n.created_at, n.type, n.read ? "read" : "unread", actor, n.preview, ...why],
        () =>
          [
            n.read ? s.dim("○") : s.yellow("●"),
            s.dim(shortTime(n.created_at)),
            s.bold(n.type),
            actor,
            n.preview ? s.dim(n.preview.split("\n")[0] ?? "") : "",
            ...why.map((w) => s.cyan(`(${w})`)),
          ]
            .filter(Boolean)
            .join("  "),
      );
    }
  },
};
