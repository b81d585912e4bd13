import { credentialsChanged } from "../../../lib/auth/credential-cache.ts";
import {
  doRevokeAllSessions,
  doRevokeSession,
  listSessions,
  sessionView,
} from "../../../lib/auth/sessions.ts";
import { notFound } from "../../../lib/errors.ts";
import { listQuery } from "../../../lib/list-page.ts";
import { api, idParam } from "../api-route.ts";

export const sessionRoutes = [
  api({
    method: "GET",
    path: "/api/sessions",
    summary:
      "A page of your signed-in sessions, most recently used first; current marks the one asking; page on with after=next_cursor",
    scope: null,
    peopleOnly: true,
    query: listQuery,
    handler: async ({ db, principal, query }) => {
      const page = await listSessions(db.db, principal.user.id, query);
      return { ...page, items: page.items.map((s) => sessionView(s, principal.credentialId)) };
    },
  }),
  api({
    method: "DELETE",
    path: "/api/sessions/:id",
    summary: "Sign one of your sessions out; its token stops working at once",
    scope: null,
    peopleOnly: true,
    handler: async ({ db, principal, params, ip, publish }) => {
      const id = idParam(params.id, "session");
      const revoked = await doRevokeSession(db.db, principal.user.id, id, { action: "session.revoked", ip });
      if (!revoked) throw notFound("session");
      await publish([credentialsChanged({ userId: principal.user.id, credentialId: id, ended: true })]);
      return { revoked: true };
    },
  }),
  api({
    method: "POST",
    path: "/api/sessions/revoke-all",
    summary: "Sign out everywhere: every one of your sessions ends, this one included",
    scope: null,
    peopleOnly: true,
    handler: async ({ db, principal, ip, publish }) => {
      const revoked = await doRevokeAllSessions(db.db, principal.user.id, { ip });
      await publish([credentialsChanged({ userId: principal.user.id, ended: true })]);
      return { revoked };
    },
  }),
];
