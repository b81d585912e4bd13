import { doStartPersonalExport } from "../../../lib/slack-export/personal.ts";
import { api } from "../api-route.ts";

export const exportRoutes = [
  api({
    method: "GET",
    path: "/api/me/export",
    summary:
      "Your own data as a zip in Slack's export format: your profile, your DMs and group DMs, your messages in the channels you can read, your saved items",
    scope: null,
    // A person's data, for that person: a bot token has no person behind it to hand it to.
    peopleOnly: true,
    handler: async ({ db, store, principal }) => {
      const user = principal.user;
      const body = doStartPersonalExport({ db: db.db, store }, user);
      const day = new Date().toISOString().slice(0, 10);
      return new Response(body, {
        headers: {
          "Content-Type": "application/zip",
          "Content-Disposition": `attachment; filename="ajet-chat-${user.username}-${day}.zip"`,
          "Cache-Control": "private, no-store",
          "X-Content-Type-Options": "nosniff",
        },
      });
    },
  }),
];
