import { parseSince } from "../../../audit/since.ts";
import type { Command } from "../command.ts";

interface AuditRowJson {
  id: string;
  at: string;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
}

/** `audit`: the community's audit log, newest first (its owner only). */
export const audit: Command = {
  usage: "audit [--who @user|local-admin] [--what action] [--since 2d|DATE] [--limit N] [--community C]",
  flags: {
    who: { type: "string" },
    what: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
  },
  async run(ctx) {
    const query = new URLSearchParams();
    const since = parseSince(ctx.flag("since"));
    for (const [name, value] of [
      ["who", ctx.flag("who")],
      ["what", ctx.flag("what")],
      ["since", since?.toISOString()],
      ["limit", ctx.flag("limit")],
    ]) {
      if (value !== undefined) query.set(name as string, value);
    }
    const slug = encodeURIComponent(await ctx.community());
    const { items } = await ctx.client.get<{ items: AuditRowJson[] }>(
      `/api/communities/${slug}/audit?${query}`,
    );
    const s = ctx.out.style;
    for (const row of items) {
      const target = row.target_type ? `${row.target_type}:${row.target_id}` : "";
      ctx.out.record(row, [row.at, row.actor, row.action, target, JSON.stringify(row.data)], () =>
        [s.dim(row.at), s.bold(row.actor || "—"), row.action, s.dim(target)].filter(Boolean).join("  "),
      );
    }
  },
};
