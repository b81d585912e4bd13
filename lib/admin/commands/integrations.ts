import { invalid } from "../../errors.ts";
import { deadLetterView, doRetryDead, listDead } from "../../integrations/outbox.ts";
import { doDeleteOutgoingWebhook, listOutgoingWebhooks } from "../../outgoing-webhooks/manage.ts";
import { listCommunitySubscriptions } from "../../subscriptions/manage.ts";
import type { AdminCommand } from "../command.ts";
import { adminActor, findCommunity } from "../deps.ts";

const idOf = (value: string | undefined, what: string) => {
  if (!value || !/^[0-9a-f-]{36}$/i.test(value)) throw invalid(`give the ${what}'s id`);
  return value.toLowerCase();
};

/** Outgoing webhooks and bots' event subscriptions, seen and stopped from the box. */
export const integrationCommands: AdminCommand[] = [
  {
    words: ["outgoing-webhooks", "list"],
    usage: "outgoing-webhooks list --community SLUG",
    flags: ["community"],
    async run(deps, { flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const hooks = (await listOutgoingWebhooks(deps.database.db, community.id, null)).items;
      return {
        rows: hooks.map((h) => ({
          id: h.id,
          name: h.name,
          channels: typeof h.channels === "string" ? h.channels : h.channels.map((c) => `#${c}`).join(" "),
          trigger_words: h.trigger_words.join(" "),
          url: h.url,
        })),
      };
    },
  },
  {
    words: ["outgoing-webhooks", "delete"],
    usage: "outgoing-webhooks delete <id> --community SLUG",
    flags: ["community"],
    async run(deps, { positionals, flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const id = idOf(positionals[0], "outgoing webhook");
      const deleted = await doDeleteOutgoingWebhook(
        deps.database.db,
        null,
        community.id,
        id,
        adminActor(deps),
      );
      return { message: `outgoing webhook ${deleted.name} (${id}) is deleted` };
    },
  },
  {
    words: ["subscriptions", "list"],
    usage: "subscriptions list --community SLUG",
    flags: ["community"],
    async run(deps, { flags }) {
      const community = await findCommunity(deps.database.db, flags.community);
      const subs = await listCommunitySubscriptions(deps.database.db, community.id);
      return {
        rows: subs.map((s) => ({
          id: s.id,
          bot: `@${s.bot}`,
          url: s.url,
          event_types: s.event_types.join(","),
        })),
      };
    },
  },
  {
    words: ["dead-letters"],
    usage: "dead-letters <outgoing-webhook-or-subscription-id>",
    async run(deps, { positionals }) {
      const rows = await listDead(deps.database.db, idOf(positionals[0], "integration"));
      return {
        rows: rows.map(deadLetterView).map(({ payload: _, ...d }) => d),
      };
    },
  },
  {
    words: ["dead-letters", "retry"],
    usage: "dead-letters retry <outgoing-webhook-or-subscription-id> [dead-letter-id]",
    async run(deps, { positionals }) {
      const target = idOf(positionals[0], "integration");
      const one = positionals[1] ? idOf(positionals[1], "dead letter") : null;
      const retried = await doRetryDead(deps.database.db, target, one);
      return { message: `${retried} dead letter${retried === 1 ? "" : "s"} queued again` };
    },
  },
];
