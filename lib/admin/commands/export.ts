import { invalid } from "../../errors.ts";
import { doWriteExportFile } from "../../slack-export/write-file.ts";
import type { AdminCommand } from "../command.ts";
import { findCommunity, recordAdminAudit } from "../deps.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `admin export <community> <out.zip>`: the community as a Slack workspace export. */
export const exportCommand: AdminCommand = {
  words: ["export"],
  usage: "export <community> <out.zip>",
  localFiles: [1],
  async run(deps, { positionals }) {
    const [slug, path, ...extra] = positionals;
    if (!slug || !path || extra.length)
      throw invalid("usage: ajet-chat admin export <community> <out.zip>", "usage");
    const db = deps.database.db;
    const community = await findCommunity(db, slug);
    const counts = await doWriteExportFile(
      { db, store: deps.store, progress: deps.progress },
      { kind: "community", community },
      path,
    );
    await recordAdminAudit(db, deps, {
      action: "community.exported",
      communityId: community.id,
      targetType: "community",
      targetId: community.id,
      data: { path, ...counts },
    });
    return {
      message:
        `exported ${slug} to ${path}: ${plural(counts.conversations, "conversation")}, ${plural(counts.messages, "message")}, ${plural(counts.files, "file")}, ${plural(counts.users, "person")}`.replace(
          /persons/,
          "people",
        ),
    };
  },
};
