import type { DeliveryJson, WebhookJson } from "../../../client/views.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function communityWebhooks(ctx: Context) {
  const slug = encodeURIComponent(await ctx.community());
  return (await ctx.client.all<WebhookJson>(`/api/communities/${slug}/webhooks`)).items;
}

/** A webhook named by id, or by name among the community's live ones. */
async function webhookId(ctx: Context, nameOrId: string): Promise<string> {
  if (UUID.test(nameOrId)) return nameOrId;
  const matches = (await communityWebhooks(ctx)).filter(
    (w) => w.name.toLowerCase() === nameOrId.toLowerCase(),
  );
  if (matches.length > 1)
    throw new CliError(EXIT.usage, `several webhooks are named "${nameOrId}": give its id (webhooks list)`);
  const [match] = matches;
  if (!match) throw new CliError(EXIT.notFound, `no webhook named "${nameOrId}" (webhooks list shows them)`);
  return match.id;
}

/** `webhooks list` / `webhooks log <name|id>`: incoming webhooks and their delivery logs (owners, admins). */
export const webhooks: Command = {
  usage: "webhooks list | webhooks log <name|id> [--limit N]",
  flags: { limit: { type: "string" } },
  async run(ctx) {
    const [sub, name, extra] = ctx.args.positionals;
    if (sub === "list" && !name) return list(ctx);
    if (sub === "log" && name && !extra) return log(ctx, name);
    throw new CliError(EXIT.usage, `usage: ajet-chat ${webhooks.usage}`);
  },
};

async function list(ctx: Context) {
  const s = ctx.out.style;
  for (const w of await communityWebhooks(ctx)) {
    ctx.out.record(w, [w.id, w.name, `#${w.channel_name}`], () =>
      [s.dim(w.id), s.bold(w.name), `#${w.channel_name}`].join("  "),
    );
  }
}

async function log(ctx: Context, name: string) {
  const limit = ctx.flag("limit");
  const query = limit ? `?limit=${encodeURIComponent(limit)}` : "";
  const id = await webhookId(ctx, name);
  const { items } = await ctx.client.get<{ items: DeliveryJson[] }>(`/api/webhooks/${id}/deliveries${query}`);
  const s = ctx.out.style;
  for (const d of items) {
    const what = d.error ?? d.response.split("\n").join("; ");
    const kind = d.dry_run ? `${d.kind} (dry run)` : d.kind;
    ctx.out.record(d, [d.at, kind, d.status, d.latency_ms, what, d.request], () =>
      [
        s.dim(d.at),
        kind,
        d.ok ? String(d.status) : s.bold(String(d.status ?? "—")),
        s.dim(`${d.latency_ms} ms`),
        what,
        d.request ? `\n    ${s.dim(d.request.length > 200 ? `${d.request.slice(0, 200)}…` : d.request)}` : "",
      ].join("  "),
    );
  }
}
