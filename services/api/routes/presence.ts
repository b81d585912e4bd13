import { z } from "zod";
import { log } from "../../../lib/log.ts";
import { doHeartbeat, listPresence, MAX_PRESENCE_IDS } from "../../../lib/presence/presence.ts";
import { api } from "../api-route.ts";

export const presenceRoutes = [
  api({
    method: "POST",
    path: "/api/heartbeat",
    summary: "I am here: marks you online (for two minutes) and tells your communities",
    scope: null,
    handler: async ({ db, principal, publish }) => {
      // Every client sends one a minute and nothing it shows depends on the write (the plan's
      // fire-and-forget), so the answer does not wait; a failed write only delays a green dot.
      void doHeartbeat(db.db, principal.user.id)
        .then(publish)
        .catch((err) =>
          log.error("heartbeat write failed", { user_id: principal.user.id, error: String(err) }),
        );
      return { ok: true };
    },
  }),
  api({
    method: "GET",
    path: "/api/presence",
    summary: `Who is online among user_ids (comma-separated, at most ${MAX_PRESENCE_IDS}); people you share no community or conversation with are left out`,
    scope: null,
    query: z.object({
      user_ids: z
        .string()
        .transform((ids) => ids.split(","))
        .pipe(z.array(z.uuid()).min(1).max(MAX_PRESENCE_IDS)),
    }),
    handler: async ({ db, principal, query }) => ({
      items: await listPresence(db.db, principal.user.id, query.user_ids),
    }),
  }),
];
