import { z } from "zod";
import { publishAll } from "../../../lib/bus/publish.ts";
import { COMMANDS } from "../../../lib/commands/catalog.ts";
import { accessCommunity, checkAdmin } from "../../../lib/communities/access.ts";
import { isKind, notFound } from "../../../lib/errors.ts";
import { readBodyText } from "../../../lib/http/body.ts";
import { type Route, route } from "../../../lib/http/router.ts";
import { deliveryView, readDeliveries } from "../../../lib/integrations/delivery-log.ts";
import {
  doCreateSlashCommand,
  doDeleteSlashCommand,
  findSlashCommand,
  listSlashCommands,
  slashCommandSpecView,
  slashCommandView,
} from "../../../lib/slash-commands/manage.ts";
import { doRespondToCommand } from "../../../lib/slash-commands/respond.ts";
import { api } from "../api-route.ts";
import type { ApiDeps } from "../deps.ts";

const builtIns = COMMANDS.map((c) => c.name);

/** A community's custom slash commands (Slack-compatible), managed by its owners and admins. */
export const slashCommandRoutes = [
  api({
    method: "GET",
    path: "/api/communities/:slug/commands",
    summary:
      "The community's custom slash commands: members get {name, description, usage_hint} (for /help and completion); owners and admins also get each one's id, url and creator. Never a signing secret",
    scope: "channels:read",
    handler: async ({ db, principal, params }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      const rows = await listSlashCommands(db.db, community.id);
      const admin = member.role === "owner" || member.role === "admin";
      return { items: rows.map(admin ? slashCommandView : slashCommandSpecView) };
    },
  }),
  api({
    method: "POST",
    path: "/api/communities/:slug/commands",
    summary:
      "Register a custom slash command (owners and admins): {name, url, description?, usage_hint?}. Answers the command with its signing_secret and verification_token, shown this once. A built-in's name is refused",
    scope: "admin",
    status: 201,
    body: z.object({
      name: z.string().max(40),
      url: z.string().max(2000),
      description: z.string().max(200).optional(),
      usage_hint: z.string().max(100).optional(),
    }),
    handler: async ({ db, principal, params, body }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "manage slash commands");
      const input = { ...body, usageHint: body.usage_hint };
      return doCreateSlashCommand(db.db, principal.user.id, community.id, input, builtIns);
    },
  }),
  api({
    method: "DELETE",
    path: "/api/communities/:slug/commands/:name",
    summary: "Remove a custom slash command (owners and admins); its pending response URLs stop working",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "manage slash commands");
      return doDeleteSlashCommand(db.db, principal.user.id, community.id, params.name ?? "");
    },
  }),
  api({
    method: "GET",
    path: "/api/communities/:slug/commands/:name/deliveries",
    summary:
      "A custom command's last 50 calls and later answers, newest first (owners and admins): time, status, latency, the form and reply with secrets masked, the error in words",
    scope: "admin",
    handler: async ({ db, principal, params }) => {
      const { community, member } = await accessCommunity(db.db, principal.user.id, params.slug ?? "");
      checkAdmin(member, "read a command's deliveries");
      const command = await findSlashCommand(db.db, community.id, (params.name ?? "").replace(/^\//, ""));
      if (!command) throw notFound("command");
      return { items: (await readDeliveries(db.db, command.id)).map(deliveryView) };
    },
  }),
];

/** Slack's plain answers on a response_url. */
const word = (status: number, text: string) =>
  new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });

/**
 * `POST /commands/respond/<token>`: an app's later answers to one invocation (its `response_url`),
 * no session, as Slack's `hooks.slack.com/commands/…`: `ok`, or 404 `expired_url` / `used_url`.
 */
export function commandResponseRoutes(deps: ApiDeps): Route[] {
  return [
    route("POST", "/commands/respond/:token", async (req, ctx) => {
      let body: string;
      try {
        body = await readBodyText(req, deps.config.limits.maxBodyBytes);
      } catch (err) {
        if (isKind(err, "too_large")) return word(413, "payload_too_large");
        throw err;
      }
      const result = await doRespondToCommand(
        deps.db.db,
        ctx.params.token ?? "",
        body,
        req.headers.get("content-type") ?? "",
      );
      if (!result.ok) return word(result.refusal === "no_text" ? 400 : 404, result.refusal);
      await publishAll(deps.bus, result.events);
      return word(200, "ok");
    }),
  ];
}
