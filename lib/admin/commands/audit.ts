import { listAudit } from "../../audit/read.ts";
import { parseSince } from "../../audit/since.ts";
import { invalid } from "../../errors.ts";
import type { AdminCommand } from "../command.ts";
import { findCommunity, findUser, LOCAL_ADMIN } from "../deps.ts";

export const auditCommand: AdminCommand = {
  words: ["audit"],
  usage: "audit [--who @user|local-admin] [--what action] [--since 2d|DATE] [--community C] [--limit N]",
  flags: ["who", "what", "since", "community", "limit"],
  async run(deps, { flags }) {
    const db = deps.database.db;
    const limit = flags.limit === undefined ? 100 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid("--limit takes 1 to 10000");
    const who = flags.who;
    const rows = await listAudit(db, {
      localAdmin: who === LOCAL_ADMIN,
      actorId: who === undefined || who === LOCAL_ADMIN ? undefined : (await findUser(db, who)).id,
      action: flags.what,
      since: parseSince(flags.since),
      communityId: flags.community === undefined ? undefined : (await findCommunity(db, flags.community)).id,
      limit,
    });
    return {
      rows: rows.map((r) => ({
        at: r.at,
        actor: r.actor,
        action: r.action,
        target: r.target_type ? `${r.target_type}:${r.target_id}` : "",
        data: r.data,
      })),
    };
  },
};
