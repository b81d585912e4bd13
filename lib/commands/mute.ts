import { clip, invalidArgs } from "./args.ts";
import { defineCommand, moderatorOf, outcome } from "./command.ts";
import { formatDuration, parseDuration } from "./duration.ts";

const DEFAULT_MUTE_MS = 3_600_000;
const MAX_MUTE_MS = 365 * 86_400_000;

export const mute = defineCommand({
  name: "mute",
  usage: ["/mute @user [duration]"],
  summary: "Stop someone posting in this community for a while",
  details:
    "Durations: `10m`, `2h`, `1d`, `1w` or combined like `1h30m`; the default is 1h, the longest 365d. Muting again replaces the expiry. The owner cannot be muted.",
  admin: true,
  scope: "admin",
  parse(a) {
    const user = a.user();
    const given = a.optionalWord();
    a.end();
    if (given === null) return { user, durationMs: DEFAULT_MUTE_MS };
    const durationMs = parseDuration(given, MAX_MUTE_MS);
    if (durationMs === null) {
      throw invalidArgs(`"${clip(given)}" is not a duration like 10m, 2h, 1d or 1w (at most 365d)`);
    }
    return { user, durationMs };
  },
  async run(ctx, { user: ref, durationMs }) {
    const { doMuteMember } = await import("../moderation/members.ts");
    const { resolveTarget } = await import("./resolve.ts");
    const { communityId, user, target } = await resolveTarget(ctx, "mute", ref);
    const until = new Date(Date.now() + durationMs);
    const { events } = await doMuteMember(ctx.db, moderatorOf(ctx), communityId, target, until);
    return outcome(
      `Muted @${user.username} for ${formatDuration(durationMs)} (until ${until.toISOString()}).`,
      [{ type: "member.muted", community_id: communityId, user_id: user.id, until: until.toISOString() }],
      events,
    );
  },
});
