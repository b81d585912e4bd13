import { z } from "zod";
import { accessAuditLog } from "../../../lib/audit/access.ts";
import { LOCAL_ADMIN, listAudit } from "../../../lib/audit/read.ts";
import { api } from "../api-route.ts";

export const auditRoutes = [
  api({
    method: "GET",
    path: "/api/communities/:slug/audit",
    summary:
      "The community's audit log, newest first (the owner only): ?who=username|local-admin, ?what=action or prefix ending in '.', ?since=ISO time, ?before=id, ?limit=1–200",
    scope: "admin",
    peopleOnly: true,
    query: z.object({
      who: z
        .string()
        .max(64)
        .transform((s) => s.replace(/^@/, ""))
        .optional(),
      what: z.string().max(64).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
      before: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ db, principal, params, query }) => {
      const community = await accessAuditLog(db.db, principal.user.id, params.slug ?? "");
      const items = await listAudit(db.db, {
        communityId: community.id,
        localAdmin: query.who === LOCAL_ADMIN,
        actorName: query.who === LOCAL_ADMIN ? undefined : query.who,
        action: query.what,
        since: query.since ? new Date(query.since) : undefined,
        before: query.before,
        limit: query.limit,
      });
      // Addresses stay with the server's admin: an owner learns what was done, not from where.
      return {
        items: items.map(({ ip: _, ...row }) => row),
        next_before: items.length === query.limit ? items.at(-1)?.id : null,
      };
    },
  }),
];
