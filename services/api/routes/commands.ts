import { z } from "zod";
import { accessChannel } from "../../../lib/channels/access.ts";
import { checkMayRun } from "../../../lib/commands/may-run.ts";
import { MAX_COMMAND_CHARS, parseCommand } from "../../../lib/commands/parse.ts";
import { invalid } from "../../../lib/errors.ts";
import { api } from "../api-route.ts";

export const commandRoutes = [
  api({
    method: "POST",
    path: "/api/commands",
    summary:
      "Run a slash command typed in a channel: {channel_id, text}. Answers {ok, reply_md (for the caller only), effects (what changed)}; a command that does not run is an error whose message says why, with usage for malformed input. Bot tokens need each command's own scope",
    scope: null,
    body: z.object({ channel_id: z.uuid(), text: z.string().max(MAX_COMMAND_CHARS) }),
    handler: async ({ db, store, outbound, config, principal, body, ip, publish, scheduler }) => {
      const parsed = parseCommand(body.text);
      if (!parsed.ok) throw invalid(parsed.error.message, parsed.error.code);
      const access = await accessChannel(db.db, principal.user.id, body.channel_id);
      checkMayRun(parsed.command, principal, access);
      const ctx = {
        db: db.db,
        publicUrl: config.publicUrl,
        principal,
        access,
        ip,
        media: { store, outbound },
        timeZone: config.timeZone,
        scheduler,
      };
      const outcome = await parsed.command.run(ctx, parsed.args);
      await publish(outcome.events);
      // The messages are gone; their files follow, best effort.
      await Promise.allSettled(outcome.storageKeys.map((key) => store.delete(key)));
      return { ok: true, reply_md: outcome.reply_md, effects: outcome.effects };
    },
  }),
];
