import { repeatWords, splitWhatWhen } from "../schedule/when.ts";
import { Args, type ChannelRef, clip, invalidArgs, type UserRef } from "./args.ts";
import { type CommandContext, communityOf, defineCommand, outcome } from "./command.ts";

type Target = { me: true } | { user: UserRef } | { channel: ChannelRef };

type Parsed = { sub: "list" } | { sub: "cancel"; id: string } | { sub: "set"; target: Target; text: string };

const EXAMPLES =
  'e.g. "in 20 minutes", "at 9am", "tomorrow", "on Friday at 3pm", "every weekday at 9am", "every day at 5pm"';

export const remind = defineCommand<Parsed>({
  name: "remind",
  usage: ["/remind me|@user|#channel <what> <when>", "/remind list", "/remind cancel <id>"],
  summary: "Set a reminder for yourself, someone or a channel",
  details: `When: ${EXAMPLES}. A reminder for you or @user arrives as a notification ("Reminder: …"); for a #channel, as a post of yours there. Reminding someone else needs a community in common; a channel, the right to post in it. Times are read in the server's time zone. \`list\` shows your reminders with their ids, \`cancel\` (or \`delete\`) stops one.`,
  admin: false,
  scope: "messages:write",
  parse(a) {
    const first = a.word("me, @user, #channel, list or cancel");
    const word = first.toLowerCase();
    if (word === "list") {
      a.end();
      return { sub: "list" };
    }
    if (word === "cancel" || word === "delete") {
      const id = a.id();
      a.end();
      return { sub: "cancel", id };
    }
    const text = a.rest("what to remind and when");
    // Whether the words hold a time does not depend on the clock or the zone: checked here on a
    // fixed one, so a malformed line gets the usage; run reads the time for real.
    const split = splitWhatWhen(text, new Date(0), "UTC");
    if (!split) throw invalidArgs(`could not read when in "${clip(text)}"; end with a time, ${EXAMPLES}`);
    if (split.what === "") throw invalidArgs("missing what to remind");
    if (word === "me") return { sub: "set", target: { me: true }, text };
    if (first.startsWith("@")) return { sub: "set", target: { user: userOf(first) }, text };
    if (first.startsWith("#")) return { sub: "set", target: { channel: channelOf(first) }, text };
    throw invalidArgs(`"${clip(first)}" is not me, @user, #channel, list or cancel`);
  },
  run(ctx, args) {
    if (args.sub === "list") return listReminders(ctx);
    if (args.sub === "cancel") return cancelReminder(ctx, args.id);
    return setReminder(ctx, args.target, args.text);
  },
});

/** A @user or #channel word read as the Args readers read one. */
const userOf = (word: string) => new Args(word, 0, "remind").user();
const channelOf = (word: string) => new Args(word, 0, "remind").channel();

async function setReminder(ctx: CommandContext, target: Target, text: string) {
  const { doScheduleJob } = await import("../schedule/jobs.ts");
  const now = new Date();
  const split = splitWhatWhen(text, now, ctx.timeZone);
  if (!split) throw invalidArgs(`could not read when in "${clip(text)}"`);
  const me = ctx.principal.user;
  const { where, to } = await resolveTarget(ctx, target);
  const job = await doScheduleJob(
    ctx.db,
    {
      kind: "reminder",
      createdBy: me.id,
      target: to,
      bodyMd: split.what,
      dueAt: split.when.dueAt,
      repeat: split.when.repeat,
      timeZone: ctx.timeZone,
    },
    now,
  );
  ctx.scheduler.wake(job.dueAt);
  const when = split.when.repeat
    ? `${repeatWords(split.when.repeat)} (${ctx.timeZone}), first ${shown(job.dueAt, ctx.timeZone)}`
    : shown(job.dueAt, ctx.timeZone);
  return outcome(`I will remind ${where} “${split.what}” ${when}. (id \`${job.id}\`)`, [
    { type: "reminder.created", id: job.id, due_at: job.dueAt.toISOString() },
  ]);
}

/** Where the reminder goes, once the caller's right to send there is checked. */
async function resolveTarget(ctx: CommandContext, target: Target) {
  const me = ctx.principal.user;
  if ("me" in target) return { where: "you", to: { userId: me.id } };
  const communityId = communityOf(ctx, "remind");
  if ("user" in target) {
    const { resolveMember } = await import("./resolve.ts");
    const { checkNotDeactivated } = await import("../users/deactivation.ts");
    const { user } = await resolveMember(ctx.db, communityId, target.user);
    if (user.kind !== "human") throw invalidArgs(`@${user.username} is a bot; bots get no reminders`);
    await checkNotDeactivated(ctx.db, [user.id]);
    return { where: user.id === me.id ? "you" : `@${user.username}`, to: { userId: user.id } };
  }
  const { resolveChannel } = await import("./resolve.ts");
  const { checkCanPost } = await import("../channels/access.ts");
  const access = await resolveChannel(ctx.db, me.id, communityId, target.channel);
  await checkCanPost(ctx.db, me.id, access);
  return { where: `#${access.channel.name}`, to: { channelId: access.channel.id } };
}

const shown = (at: Date, timeZone: string) =>
  `on ${new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(at)}`;

async function listReminders(ctx: CommandContext) {
  const { listScheduled } = await import("../schedule/jobs.ts");
  const items = await listScheduled(ctx.db, ctx.principal.user.id, "reminder");
  if (items.length === 0) return outcome("You have no reminders waiting.");
  const lines = items.map((r) => {
    const where = r.channel_name
      ? `#${r.channel_name}`
      : r.user_id === ctx.principal.user.id
        ? "you"
        : `@${r.username}`;
    const when = r.repeat
      ? `${r.repeat}, next ${shown(r.send_at, r.time_zone)}`
      : shown(r.send_at, r.time_zone);
    const state = r.state === "failed" ? ` — not sent: ${r.failed_reason}` : "";
    return `- \`${r.id}\` ${where}: “${r.body_md}” ${when}${state}`;
  });
  return outcome(["Your reminders:", ...lines].join("\n"));
}

async function cancelReminder(ctx: CommandContext, id: string) {
  const { doCancelScheduled } = await import("../schedule/jobs.ts");
  const cancelled = await doCancelScheduled(ctx.db, ctx.principal.user.id, id);
  return outcome(`Cancelled: “${cancelled.body_md}”.`, [{ type: "reminder.cancelled", id }]);
}
