import type { MessageJson } from "../../../client/views.ts";
import { type LiveEvent, openLiveStream } from "../../live-events.ts";
import { intFlag } from "../args.ts";
import type { Command } from "../command.ts";
import type { Target } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { authorLabel, messageLines, printMessage, shortTime } from "../format.ts";
import type { Output } from "../output.ts";

/**
 * `tail <#channel|@user…>`: the last messages of each, oldest first; with --follow, then every new
 * one as it is posted, and every edit and deletion, over the live stream. A dropped stream
 * reconnects by itself and resumes where it stopped; after a server restart the missed messages are
 * fetched, so none is skipped or printed twice.
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

    const showAll = (messages: MessageJson[]) => {
      for (const m of messages.sort((a, b) => (a.id < b.id ? -1 : 1))) show(m);
    };
    if (!ctx.has("follow")) {
      showAll((await Promise.all(targets.map((t) => catchUp(t)))).flat());
      return;
    }

    const handle = (event: LiveEvent) => {
      const change = event.data as Change;
      if (event.event === "message.created") {
        if (change.data.message) show(change.data.message);
        return;
      }
      const target = byId.get(change.channel_id ?? "");
      if (target && (event.event === "message.updated" || event.event === "message.deleted"))
        printChange(ctx.out, change, target.label);
    };
    // The stream goes live before the first read, and what arrives meanwhile waits until the read is
    // printed: nothing posted between the two is missed, and nothing prints twice or out of order.
    let held: LiveEvent[] | null = [];
    let started = false;
    const community = targets.find((t) => t.community)?.community ?? null;
    await new Promise<void>((_resolve, reject) => {
      const stream = openLiveStream({
        server: ctx.session.server,
        token: ctx.client.token,
        community,
        watch: targets.map((t) => t.id),
        reviver: ctx.reviver,
        onEvent(event) {
          if (held) held.push(event);
          else handle(event);
        },
        onStatus(status) {
          if (status !== "live" || started) return;
          started = true;
          Promise.all(targets.map((t) => catchUp(t)))
            .then((pages) => {
              showAll(pages.flat());
              for (const event of held ?? []) handle(event);
              held = null;
            })
            .catch((err) => {
              stream.close();
              reject(err);
            });
        },
        onResumed() {
          void Promise.all(targets.map((t) => catchUp(t, newest.get(t.id))))
            .then((pages) => showAll(pages.flat()))
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

/** A live event about a message: the bus envelope, whose `type` says which. */
interface Change {
  type: string;
  channel_id: string | null;
  timestamp: string;
  data: { message?: MessageJson; message_id?: string };
}

/**
 * An edit or a deletion. JSON: the event itself (its `type` tells it from a message). Plain: `edited`
 * and the message's fields, or `deleted, id, time, channel`. Terminal: the message again, or a line.
 */
function printChange(out: Output, change: Change, channelLabel: string) {
  const m = change.data.message;
  if (change.type === "message.updated" && m) {
    out.record(change, ["edited", m.id, m.edited_at, channelLabel, authorLabel(m), m.body_md], () =>
      messageLines(m, channelLabel, out.style, out.color, out.emoji).join("\n"),
    );
    return;
  }
  const id = change.data.message_id;
  const s = out.style;
  out.record(change, ["deleted", id, change.timestamp, channelLabel], () =>
    [s.dim(shortTime(change.timestamp)), s.dim(channelLabel), s.gray(id ?? ""), s.italic("deleted")].join(
      "  ",
    ),
  );
}
