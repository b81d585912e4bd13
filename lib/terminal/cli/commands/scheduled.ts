import type { ScheduledJson } from "../../../client/views.ts";
import { parseWhen } from "../../../schedule/when.ts";
import type { Command } from "../command.ts";
import { type Context, isId, required } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";

/** `--at <when>` as the API's send_at, read in this terminal's zone; a repeating time is refused. */
export function sendAtOf(when: string): string {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const read = parseWhen(when, new Date(), timeZone);
  if (!read)
    throw new CliError(
      EXIT.usage,
      `--at "${when}" is not a time: e.g. "in 20 minutes", "at 9am", "tomorrow at 3pm", "on Friday", 2026-12-24T09:00`,
    );
  if (read.repeat) throw new CliError(EXIT.usage, "--at takes one time; /remind repeats");
  return read.dueAt.toISOString();
}

const where = (j: ScheduledJson) =>
  j.channel_name ? `#${j.channel_name}` : j.username ? `@${j.username}` : j.channel_id ? "a DM" : "you";

/** One scheduled item: a line with its id, or the JSON the API answered. */
export function printScheduled(ctx: Context, j: ScheduledJson, label = where(j)) {
  const s = ctx.out.style;
  const at = new Date(j.send_at);
  ctx.out.record(
    j,
    [j.id, j.send_at, j.kind, j.state, label, j.repeat ?? "", j.failed_reason ?? "", j.body_md],
    () =>
      [
        j.state === "failed" ? s.yellow("✗") : s.green("⏲"),
        s.gray(j.id),
        at.toLocaleString(),
        j.repeat ? s.dim(j.repeat) : "",
        label,
        j.kind === "reminder" ? s.dim("reminder") : "",
        j.body_md.split("\n")[0] ?? "",
        j.state === "failed" ? s.yellow(`not sent: ${j.failed_reason}`) : "",
      ]
        .filter(Boolean)
        .join("  "),
  );
}

/**
 * `scheduled [--kind reminder|message]`: your reminders and scheduled messages still waiting (and
 * those that could not be sent, with why); `scheduled cancel <id>` cancels one.
 */
export const scheduled: Command = {
  usage: "scheduled [--kind reminder|message] | scheduled cancel <id>",
  flags: { kind: { type: "string" } },
  async run(ctx) {
    if (ctx.args.positionals[0] === "cancel") {
      const id = required(ctx.args, 1, "id");
      if (!isId(id)) throw new CliError(EXIT.usage, `"${id}" is not an id; ajet-chat scheduled lists them`);
      const gone = await ctx.client.cancelScheduled(id);
      const s = ctx.out.style;
      return ctx.out.record(gone, [gone.id, gone.state], () => `${s.green("✓")} cancelled ${gone.id}`);
    }
    if (ctx.args.positionals.length) {
      throw new CliError(
        EXIT.usage,
        `unexpected "${ctx.args.positionals[0]}"; usage: ajet-chat ${scheduled.usage}`,
      );
    }
    const kind = ctx.flag("kind");
    if (kind !== undefined && kind !== "reminder" && kind !== "message") {
      throw new CliError(EXIT.usage, `--kind is reminder or message, not "${kind}"`);
    }
    const { items } = await ctx.client.scheduled(kind);
    if (items.length === 0 && ctx.out.mode === "tty") ctx.out.line(ctx.out.style.dim("nothing scheduled"));
    for (const j of items) printScheduled(ctx, j);
  },
};
