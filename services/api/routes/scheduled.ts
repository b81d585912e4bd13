import { z } from "zod";
import { doCancelScheduled, listScheduled } from "../../../lib/schedule/jobs.ts";
import { api, idParam } from "../api-route.ts";

export const scheduledRoutes = [
  api({
    method: "GET",
    path: "/api/scheduled",
    summary:
      "Your reminders and messages scheduled to send later that are still waiting, and those that could not be sent (state failed, with failed_reason), soonest first; kind=reminder or message keeps one kind",
    scope: "messages:read",
    query: z.object({ kind: z.enum(["reminder", "message"]).optional() }),
    handler: async ({ db, principal, query }) => ({
      items: await listScheduled(db.db, principal.user.id, query.kind),
    }),
  }),
  api({
    method: "DELETE",
    path: "/api/scheduled/:id",
    summary:
      "Cancel one of your waiting reminders or scheduled messages (it never fires), or dismiss one that failed",
    scope: "messages:write",
    handler: async ({ db, principal, params }) =>
      doCancelScheduled(db.db, principal.user.id, idParam(params.id, "scheduled item")),
  }),
];
