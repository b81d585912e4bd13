import { isAbsolute } from "node:path";
import { invalid } from "../../errors.ts";
import { doCreateClaimInvite } from "../../slack-import/claim.ts";
import type { ImportReport } from "../../slack-import/report.ts";
import { doImportSlack } from "../../slack-import/run.ts";
import type { AdminCommand } from "../command.ts";
import { adminActor, findCommunity, findUser, recordAdminAudit } from "../deps.ts";

/** The report as lines: `what` is a stable key, so `--json` readers can pick what they need. */
function reportRows(r: ImportReport) {
  const line = (what: string, count: number, detail = "") => ({ what, count, detail });
  return [
    line("users.created", r.users.created),
    line("users.existing", r.users.existing),
    line("users.deactivated", r.users.deactivated, "deleted in Slack"),
    line("conversations.created", r.conversations.created),
    line("conversations.existing", r.conversations.existing),
    line("conversations.merged", r.conversations.merged.length, r.conversations.merged.join(" ")),
    line("messages.imported", r.messages.imported),
    line("messages.existing", r.messages.existing),
    line("messages.replies", r.messages.replies, "thread replies among the imported"),
    line("reactions.imported", r.reactions),
    line("files.stored", r.files.stored),
    line("files.existing", r.files.existing),
    line("files.missing", r.files.missing, "not in the export"),
    ...r.skipped.map((s) => line("skipped", s.count, `${s.reason}: ${s.examples.join(", ")}`)),
  ];
}

export const importCommand: AdminCommand = {
  words: ["import", "slack"],
  usage: "import slack <export.zip> --community SLUG",
  flags: ["community"],
  localFiles: [0],
  async run(deps, { positionals, flags }) {
    const [zipPath, ...extra] = positionals;
    if (!zipPath || extra.length) throw invalid("usage: import slack <export.zip> --community SLUG", "usage");
    if (!isAbsolute(zipPath)) throw invalid("name the export by its absolute path", "usage");
    if (!(await Bun.file(zipPath).exists())) throw invalid(`no such file: ${zipPath}`, "usage");
    const db = deps.database.db;
    const community = await findCommunity(db, flags.community);
    const report = await doImportSlack({
      db,
      store: deps.store,
      communityId: community.id,
      zipPath,
      maxUploadBytes: deps.config.limits.maxUploadBytes,
      progress: deps.progress,
    });
    await recordAdminAudit(db, deps, {
      action: "slack_import",
      communityId: community.id,
      data: { users: report.users.created, messages: report.messages.imported, files: report.files.stored },
    });
    return { rows: reportRows(report) };
  },
};

export const claimCommand: AdminCommand = {
  words: ["import", "claim"],
  usage: "import claim @user --community SLUG",
  flags: ["community"],
  async run(deps, { positionals, flags }) {
    const db = deps.database.db;
    const community = await findCommunity(db, flags.community);
    const user = await findUser(db, positionals[0]);
    const url = await doCreateClaimInvite(db, community.id, user, deps.config.publicUrl, adminActor(deps));
    return {
      message: `${url}\n(one use, for 7 days: whoever signs in through it becomes @${user.username}, with their Slack history)`,
    };
  },
};
