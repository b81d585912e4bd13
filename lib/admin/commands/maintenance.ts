import { issueSetupToken } from "../../auth/setup.ts";
import { migrate } from "../../db/migrate.ts";
import { conflict } from "../../errors.ts";
import type { AdminCommand } from "../command.ts";
import { recordAdminAudit } from "../deps.ts";

export const maintenanceCommands: AdminCommand[] = [
  {
    words: ["setup-link"],
    usage: "setup-link",
    async run(deps) {
      const db = deps.database.db;
      const token = await issueSetupToken(db);
      if (!token) {
        throw conflict(
          "setup is done (a community exists): people join by invite; to hand a community over, use communities transfer",
          "setup_done",
        );
      }
      await recordAdminAudit(db, deps, { action: "setup_link.issued" });
      return { message: `setup link: ${deps.config.publicUrl}/setup/${token}` };
    },
  },
  {
    words: ["migrate"],
    usage: "migrate",
    async run(deps) {
      const applied = await migrate(deps.database.db);
      if (applied.length === 0) return { message: "database is up to date" };
      await recordAdminAudit(deps.database.db, deps, { action: "database.migrated", data: { applied } });
      return { message: `applied ${applied.join(", ")}` };
    },
  },
];
