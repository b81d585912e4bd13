import { hasControls } from "../control-chars.ts";
import { invalidArgs } from "./args.ts";
import { defineCommand, outcome } from "./command.ts";

export const topic = defineCommand({
  name: "topic",
  usage: ["/topic <text>"],
  summary: "Set this channel's topic",
  details: 'Any member may set it, up to 250 characters. `/topic ""` clears it.',
  admin: false,
  scope: "channels:write",
  parse(a) {
    if (!a.hasRest()) throw invalidArgs('missing topic (`/topic ""` clears it)');
    const topic = a.rest("topic", false).trim();
    if (topic.length > 250) throw invalidArgs("a topic is at most 250 characters");
    if (hasControls(topic)) throw invalidArgs("a topic is one line, without control characters");
    return { topic };
  },
  async run(ctx, { topic }) {
    const { doUpdateChannel } = await import("../channels/manage.ts");
    const { channel } = ctx.access;
    const updated = await doUpdateChannel(ctx.db, ctx.principal.user.id, ctx.access, { topic });
    return outcome(
      topic ? `Topic of #${channel.name} set to: ${topic}` : `Topic of #${channel.name} cleared.`,
      [{ type: "channel.updated", channel_id: channel.id }],
      updated.events,
    );
  },
});
