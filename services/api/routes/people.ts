import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { credentialsChanged } from "../../../lib/auth/credential-cache.ts";
import { users } from "../../../lib/db/schema.ts";
import { doOpenDm, listDms } from "../../../lib/dm/dm.ts";
import { notFound } from "../../../lib/errors.ts";
import { listQuery } from "../../../lib/list-page.ts";
import { doMarkNotificationsRead, listNotifications } from "../../../lib/notifications/list.ts";
import { pageQuery } from "../../../lib/pagination.ts";
import { textLine } from "../../../lib/text-line.ts";
import {
  accessDeactivationTarget,
  doDeactivateUser,
  doReactivateUser,
} from "../../../lib/users/deactivation.ts";
import { knownTo } from "../../../lib/users/known.ts";
import { pageContext } from "../../../lib/users/page-context.ts";
import { meView, userView } from "../../../lib/users/views.ts";
import { api, idParam } from "../api-route.ts";

/** Deactivation and reactivation: the same people may do both, and both answer the account as it is now. */
function accountSwitch(verb: "deactivate" | "reactivate", summary: string, act: typeof doDeactivateUser) {
  return api({
    method: "POST",
    path: `/api/users/:id/${verb}`,
    summary,
    scope: null,
    peopleOnly: true,
    handler: async ({ db, principal, params, ip, publish }) => {
      const target = await accessDeactivationTarget(db.db, principal.user.id, idParam(params.id, "user"));
      const { user, events } = await act(db.db, principal.user.id, target, { ip });
      await publish(events);
      return { user: userView(user), deactivated_at: user.deactivatedAt };
    },
  });
}

export const peopleRoutes = [
  api({
    method: "GET",
    path: "/api/me",
    summary: "Your own profile",
    scope: null,
    handler: async ({ principal }) => meView(principal.user),
  }),
  api({
    method: "GET",
    path: "/api/me/context",
    summary:
      "Everything a page draws around its pane, in one answer: you, your communities, the community=<slug> with its channels and your unread counts (every channel you can see when it has up to 200, archived ones too, else only yours: every=false), your most recent DMs (dms=<n>, 50 by default) and your unread notifications",
    scope: "channels:read",
    query: z.object({
      community: z.string().max(40).optional(),
      dms: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ db, principal, query }) =>
      pageContext(db.db, principal.user, query.community ?? null, { dms: query.dms }),
  }),
  api({
    method: "PATCH",
    path: "/api/me",
    summary: "Change your display name or avatar URL",
    scope: null,
    body: z
      .object({
        display_name: textLine(80).min(1).optional(),
        avatar_url: z
          .url({ protocol: /^https?$/ })
          .max(2000)
          .nullable()
          .optional(),
      })
      .refine(
        (b) => b.display_name !== undefined || b.avatar_url !== undefined,
        "give display_name or avatar_url",
      ),
    handler: async ({ db, principal, body, publish }) => {
      const [row] = await db.db
        .update(users)
        .set({
          ...(body.display_name !== undefined ? { displayName: body.display_name } : {}),
          ...(body.avatar_url !== undefined ? { avatarUrl: body.avatar_url } : {}),
        })
        .where(eq(users.id, principal.user.id))
        .returning();
      await publish([credentialsChanged({ userId: principal.user.id, ended: false })]);
      return meView(row ?? principal.user);
    },
  }),
  api({
    method: "GET",
    path: "/api/users/:id",
    summary: "A person you share a community or a conversation with",
    scope: null,
    handler: async ({ db, principal, params }) => {
      const id = idParam(params.id, "user");
      const [row] = await db.db
        .select()
        .from(users)
        .where(and(eq(users.id, id), knownTo(principal.user.id)));
      if (!row) throw notFound("user");
      // Their do-not-disturb shows on their profile, as Slack shows it, so people know not to expect an answer.
      return { ...userView(row), dnd_until: row.dndUntil && row.dndUntil > new Date() ? row.dndUntil : null };
    },
  }),
  accountSwitch(
    "deactivate",
    "Deactivate an account (an owner of every community the person is in): their sessions and tokens end, their live streams close, nobody can DM them; audited",
    doDeactivateUser,
  ),
  accountSwitch(
    "reactivate",
    "Reactivate an account (the same people): they may sign in again; old sessions and tokens stay ended; audited",
    doReactivateUser,
  ),
  api({
    method: "GET",
    path: "/api/dm",
    summary: "A page of your DMs and group DMs, most recently active first; page on with after=next_cursor",
    scope: "channels:read",
    query: listQuery,
    handler: async ({ db, principal, query }) => listDms(db.db, principal.user.id, query),
  }),
  api({
    method: "POST",
    path: "/api/dm",
    summary:
      "Find or start the DM (one other person) or group DM (several) whose members are now exactly these people; someone who left a group DM is not put back: the same people get a new conversation",
    scope: "channels:write",
    peopleOnly: true,
    body: z.object({ user_ids: z.array(z.uuid()).min(1).max(8) }),
    handler: async ({ db, principal, body }) => doOpenDm(db.db, principal.user.id, body.user_ids),
  }),
  api({
    method: "GET",
    path: "/api/notifications",
    summary: "Your notifications, newest first, with the unread total",
    scope: "messages:read",
    query: pageQuery.and(
      z.object({
        unread: z
          .enum(["true", "false"])
          .optional()
          .transform((v) => v === "true"),
      }),
    ),
    handler: async ({ db, principal, query }) => listNotifications(db.db, principal.user.id, query),
  }),
  api({
    method: "POST",
    path: "/api/notifications/read",
    summary: "Mark notifications read: {ids: [...]} or {all: true}",
    scope: "messages:read",
    body: z.union([z.object({ ids: z.array(z.uuid()).min(1).max(500) }), z.object({ all: z.literal(true) })]),
    handler: async ({ db, principal, body, publish }) => {
      const { read_ids, events } = await doMarkNotificationsRead(db.db, principal.user.id, body);
      await publish(events);
      return { read_ids };
    },
  }),
];
