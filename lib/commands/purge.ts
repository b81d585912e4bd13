import { invalidArgs } from "./args.ts";
import { communityOf, defineCommand, outcome } from "./command.ts";

const DEFAULT_PURGE_COUNT = 10;
const MAX_PURGE_COUNT = 500;

export const purge = defineCommand({
  name: "purge",
  usage: ["/purge #channel [count]"],
  summary: "Delete the newest messages of a channel",
  details:
    "Deletes the newest `count` messages (default 10, at most 500), thread replies included; tombstones stay.",
  admin: true,
  scope: "admin",
  parse(a) {
    const channel = a.channel();
    const given = a.optionalWord();
    a.end();
    if (given === null) return { channel, count: DEFAULT_PURGE_COUNT };
    if (!/^\d{1,4}$/.test(given) || Number(given) < 1 || Number(given) > MAX_PURGE_COUNT) {
      throw invalidArgs(`the count must be a whole number from 1 to ${MAX_PURGE_COUNT}`);
    }
    return { channel, count: Number(given) };
  },
  async run(ctx, { channel, count }) {
    const { doPurgeChannel } = await import("../moderation/purge.ts");
    const { resolveChannel } = await import("./resolve.ts");
    const me = ctx.principal.user;
    const target = await resolveChannel(ctx.db, me.id, communityOf(ctx, "purge"), channel);
    const purged = await doPurgeChannel(ctx.db, me.id, target, count, { ip: ctx.ip });
    const { name, id } = target.channel;
    return outcome(
      `Deleted ${purged.deleted} message${purged.deleted === 1 ? "" : "s"} in #${name}.`,
      [{ type: "messages.deleted", channel_id: id, count: purged.deleted }],
      purged.events,
      purged.storageKeys,
    );
  },
});
