import { asc, eq, ilike, or } from "drizzle-orm";
import { credentialsChanged } from "../../auth/credential-cache.ts";
import { revokeAllSessions } from "../../auth/sessions.ts";
import { publishAll } from "../../bus/publish.ts";
import { communityMembers, users } from "../../db/schema.ts";
import { invalid } from "../../errors.ts";
import { doDeactivateUser, doReactivateUser } from "../../users/deactivation.ts";
import type { AdminCommand } from "../command.ts";
import { type AdminDeps, adminActor, findUser, recordAdminAudit } from "../deps.ts";

const userRow = (u: typeof users.$inferSelect) => ({
  username: `@${u.username}`,
  display_name: u.displayName,
  kind: u.kind,
  status: u.deactivatedAt ? "deactivated" : "active",
  id: u.id,
  created_at: u.createdAt.toISOString(),
});

async function listUsers(deps: AdminDeps, search?: string) {
  const db = deps.database.db;
  // LIKE's wildcards in the search text match themselves.
  const pattern = search === undefined ? undefined : `%${search.replace(/[\\%_]/g, "\\$&")}%`;
  const rows = await db
    .select()
    .from(users)
    .where(pattern ? or(ilike(users.username, pattern), ilike(users.displayName, pattern)) : undefined)
    .orderBy(asc(users.username));
  return { rows: rows.map(userRow) };
}

/** Deactivating from the box: no community owner needed, the events end the person's streams at once. */
function switchAccount(verb: "deactivate" | "reactivate", act: typeof doDeactivateUser): AdminCommand {
  return {
    words: [verb],
    usage: `${verb} @user`,
    async run(deps, { positionals }) {
      const db = deps.database.db;
      const user = await findUser(db, positionals[0]);
      const memberships = await db
        .select({ communityId: communityMembers.communityId })
        .from(communityMembers)
        .where(eq(communityMembers.userId, user.id));
      const target = { user, communityIds: memberships.map((m) => m.communityId) };
      const { events } = await act(db, null, target, { auditData: adminActor(deps) });
      await publishAll(deps.bus, events);
      return { message: `@${user.username} is ${verb}d` };
    },
  };
}

export const userCommands: AdminCommand[] = [
  { words: ["users", "list"], usage: "users list", run: (deps) => listUsers(deps) },
  {
    words: ["users", "search"],
    usage: "users search <text>",
    run(deps, { positionals }) {
      const text = positionals.join(" ").trim();
      if (text === "") throw invalid("say what to search for: users search <text>");
      return listUsers(deps, text);
    },
  },
  switchAccount("deactivate", doDeactivateUser),
  switchAccount("reactivate", doReactivateUser),
  {
    words: ["sessions", "revoke"],
    usage: "sessions revoke @user",
    async run(deps, { positionals }) {
      const db = deps.database.db;
      const user = await findUser(db, positionals[0]);
      const ended = await db.transaction(async (tx) => {
        const count = await revokeAllSessions(tx, user.id);
        await recordAdminAudit(tx, deps, {
          action: "session.revoked_all",
          targetType: "user",
          targetId: user.id,
          data: { sessions_ended: count },
        });
        return count;
      });
      await publishAll(deps.bus, [credentialsChanged({ userId: user.id, ended: true })]);
      return { message: `ended ${ended} session${ended === 1 ? "" : "s"} of @${user.username}` };
    },
  },
];
