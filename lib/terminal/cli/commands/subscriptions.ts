import type { Command } from "../command.ts";
import { required } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";

interface SubscriptionJson {
  id: string;
  url: string;
  event_types: string[];
  created_at: string;
}
interface DeliveryJson {
  at: string;
  ok: boolean;
  status: number | null;
  latency_ms: number;
  attempts: number;
  error: string | null;
}
interface DeadLetterJson {
  id: string;
  event_id: string;
  attempts: number;
  last_error: string | null;
  dead_at: string;
}

const USAGE =
  "subscriptions create <url> <event-type…> | list | delete <id> | deliveries <id> | dead <id> | retry <id> [dead-letter-id]";

/**
 * `subscriptions …`: a bot's event subscriptions, run with the bot's token (AJET_TOKEN). `create`
 * prints the signing secret once.
 */
export const subscriptions: Command = {
  usage: USAGE,
  async run(ctx) {
    const [sub] = ctx.args.positionals;
    const s = ctx.out.style;
    const base = "/api/subscriptions";
    if (sub === "create") {
      const url = required(ctx.args, 1, "url");
      const types = ctx.args.positionals.slice(2);
      if (types.length === 0)
        throw new CliError(EXIT.usage, "name at least one event type, e.g. message.created");
      const made = await ctx.client.post<{ subscription: SubscriptionJson; signing_secret: string }>(base, {
        url,
        event_types: types,
      });
      ctx.out.record(made, [made.subscription.id, made.signing_secret], () =>
        [
          `subscription ${s.bold(made.subscription.id)}`,
          `signing secret (shown once): ${made.signing_secret}`,
        ].join("\n"),
      );
      return;
    }
    if (sub === "list") {
      const { items } = await ctx.client.get<{ items: SubscriptionJson[] }>(base);
      for (const row of items)
        ctx.out.record(row, [row.id, row.url, row.event_types.join(",")], () =>
          [s.bold(row.id), row.url, s.dim(row.event_types.join(" "))].join("  "),
        );
      return;
    }
    const id = encodeURIComponent(required(ctx.args, 1, "subscription id"));
    if (sub === "delete") {
      const { subscription } = await ctx.client.delete<{ subscription: SubscriptionJson }>(`${base}/${id}`);
      ctx.out.record(subscription, [subscription.id], () => `deleted ${subscription.id}`);
      return;
    }
    if (sub === "deliveries") {
      const { items } = await ctx.client.get<{ items: DeliveryJson[] }>(`${base}/${id}/deliveries`);
      for (const d of items)
        ctx.out.record(d, [d.at, d.ok ? "ok" : "failed", d.status, d.latency_ms, d.attempts, d.error], () =>
          [s.dim(d.at), d.ok ? "ok" : s.bold("failed"), d.status ?? "—", `${d.latency_ms} ms`, d.error ?? ""]
            .join("  ")
            .trim(),
        );
      return;
    }
    if (sub === "dead") {
      const { items } = await ctx.client.get<{ items: DeadLetterJson[] }>(`${base}/${id}/dead-letters`);
      for (const d of items)
        ctx.out.record(d, [d.id, d.event_id, d.attempts, d.last_error, d.dead_at], () =>
          [s.bold(d.id), d.event_id, `${d.attempts} attempts`, d.last_error ?? "", s.dim(d.dead_at)].join(
            "  ",
          ),
        );
      return;
    }
    if (sub === "retry") {
      const one = ctx.args.positionals[2];
      const { retried } = await ctx.client.post<{ retried: number }>(
        `${base}/${id}/dead-letters/retry`,
        one ? { id: one } : {},
      );
      ctx.out.record(
        { retried },
        [retried],
        () => `${retried} dead letter${retried === 1 ? "" : "s"} queued again`,
      );
      return;
    }
    throw new CliError(EXIT.usage, `usage: ajet-chat ${USAGE}`);
  },
};
