import { clip, invalidArgs } from "./args.ts";
import { defineCommand, outcome } from "./command.ts";
import { formatDuration, parseDuration } from "./duration.ts";

// The same limit as the API route (lib/notifications/preferences.ts), kept here so listing commands loads no domain code.
const MAX_DND_MS = 7 * 86_400_000;

export const dnd = defineCommand({
  name: "dnd",
  usage: ["/dnd <duration>", "/dnd off"],
  summary: "Do not disturb for a while",
  details:
    "Durations: `30m`, `2h`, `1d` or combined like `1h30m`, at most 7d. Notifications are still kept (the bell counts them) but nothing rings. `/dnd off` ends it.",
  admin: false,
  scope: null,
  peopleOnly: true,
  parse(a) {
    const word = a.word("a duration like 1h, or off");
    a.end();
    if (word.toLowerCase() === "off") return { ms: null };
    const ms = parseDuration(word, MAX_DND_MS);
    if (ms === null) throw invalidArgs(`"${clip(word)}" is not a duration like 30m, 2h or 1d (at most 7d)`);
    return { ms };
  },
  async run(ctx, { ms }) {
    const { doSetDnd } = await import("../notifications/preferences.ts");
    const until = ms === null ? null : new Date(Date.now() + ms);
    const { events } = await doSetDnd(ctx.db, ctx.principal.user.id, until);
    const effects = [{ type: "dnd", until: until?.toISOString() ?? null }];
    if (!until || ms === null) return outcome("Do not disturb is off.", effects, events);
    return outcome(
      `Do not disturb for ${formatDuration(ms)} (until ${until.toISOString()}).`,
      effects,
      events,
    );
  },
});
