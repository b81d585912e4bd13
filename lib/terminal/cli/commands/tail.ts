import type { MessageJson } from "../../../client/views.ts";
import { openLiveStream } from "../../live-events.ts";
import { intFlag } from "../args.ts";
import type { Command } from "../command.ts";
import type { Target } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { printMessage } from "../format.ts";

/**
 * `tail <#channel|@user…>`: the last messages of each, oldest first; with --follow, then every new
 * one as it is posted, over the live stream. A dropped stream reconnects by itself and resumes
 * where it stopped; after a server restart the missed messages are fetched, so none is skipped or
 * printed twice.
 */
export const tail: Command = {
  usage: "tail <#channel|@user…> [--follow] [--limit N]",
  flags: { follow: { type: "boolean", short: "f" }, limit: { type: "string", short: "n" } },
  async run(ctx) {
    if (ctx.args.positionals.length === 0) throw new CliError(EXIT.usage, "missing #channel or @user");
    const targets = await Promise.all(ctx.args.positionals.map((t) => ctx.target(t)));
    const byId = new Map(targets.map((t) => [t.id, t]));
    const limit = intFlag(ctx.args.flags, "limit", 10, 200);
    const printed = new Set<string>();
    // The newest top-level message shown per channel: where a catch-up starts.
    const newest = new Map<string, string>();

    const show = (m: MessageJson) => {
      const target = byId.get(m.channel_id);
      if (!target || printed.has(m.id)) return;
      printed.add(m.id);
      if (!m.parent_id && (newest.get(m.channel_id) ?? "") < m.id) newest.set(m.channel_id, m.id);
      printMessage(ctx.out, m, target.label);
    };
    const catchUp = async (target: Target, after?: string) => {
      const page = await ctx.client.history(target.id, after ? { after, limit: 200 } : { limit });
      return page.items.reverse();
    };

    const first = (await Promise.all(targets.map((t) => catchUp(t)))).flat();
    for (const m of first.sort((a, b) => (a.id < b.id ? -1 : 1))) show(m);
    if (!ctx.has("follow")) return;

    const community = targets.find((t) => t.community)?.community ?? null;
    await new Promise<void>((_resolve, reject) => {
      const stream = openLiveStream({
        server: ctx.session.server,
        token: ctx.client.token,
        community,
        onEvent(event) {
          if (event.event !== "message.created") return;
          const message = (event.data as { data?: { message?: MessageJson } }).data?.message;
          if (message) show(message);
        },
        onResumed() {
          void Promise.all(targets.map((t) => catchUp(t, newest.get(t.id))))
            .then((pages) => {
              for (const m of pages.flat().sort((a, b) => (a.id < b.id ? -1 : 1))) show(m);
            })
            .catch(() => {
              // The next reconnect catches up again.
            });
        },
        onFatal(err) {
          stream.close();
          reject(err);
        },
      });
    });
  },
};
