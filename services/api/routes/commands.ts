import { z } from "zod";
import { accessChannel } from "../../../lib/channels/access.ts";
import { checkMayRun } from "../../../lib/commands/may-run.ts";
import { MAX_COMMAND_CHARS, parseCommand } from "../../../lib/commands/parse.ts";
import { invalid } from "../../../lib/errors.ts";
import { accessCustomCommand, doInvokeSlashCommand } from "../../../lib/slash-commands/invoke.ts";
import { customSpec } from "../../../lib/slash-commands/manage.ts";
import { api } from "../api-route.ts";

export const commandRoutes = [
  api({
    method: "POST",
    path: "/api/commands",
    summary:
      "Run a slash command typed in a channel: {channel_id, text}. Answers {ok, reply_md (for the caller only), effects (what changed)}; a command that does not run is an error whose message says why, with usage for malformed input. Bot tokens need each command's own scope. A community's custom command calls its app (3 s) and answers what the app said: reply_md for an ephemeral reply, a message.posted effect for an in_channel one, a command.failed effect with the reason when the app failed",
    scope: null,
    body: z.object({ channel_id: z.uuid(), text: z.string().max(MAX_COMMAND_CHARS) }),
    handler: async ({ db, store, outbound, config, principal, body, ip, publish, scheduler }) => {
      const parsed = parseCommand(body.text);
      if (!parsed.ok) {
        // Not a built-in: perhaps the community's own command, looked up where it was typed.
        const custom = await accessCustomCommand(db.db, principal.user.id, body.channel_id, body.text);
        if (!custom) throw invalid(parsed.error.message, parsed.error.code);
        checkMayRun(customSpec(custom.command), principal, custom.access);
        const deps = { db: db.db, outbound, publicUrl: config.publicUrl };
        const invoked = await doInvokeSlashCommand(
          deps,
          custom.command,
          principal,
          custom.access,
          custom.text,
        );
        await publish(invoked.events);
        return { ok: true, reply_md: invoked.reply_md, effects: invoked.effects };
      }
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
