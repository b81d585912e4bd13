import { route } from "../../lib/http/router.ts";
import { type ApiRouteSpec, toRoute } from "./api-route.ts";
import type { ApiDeps } from "./deps.ts";
import { openApiRoute } from "./openapi.ts";
import { attachmentRoutes } from "./routes/attachments.ts";
import { auditRoutes } from "./routes/audit.ts";
import { avatarRoutes } from "./routes/avatars.ts";
import { channelRoutes } from "./routes/channels.ts";
import { commandRoutes } from "./routes/commands.ts";
import { communityRoutes } from "./routes/communities.ts";
import { exportRoutes } from "./routes/export.ts";
import { imageRoutes } from "./routes/images.ts";
import { inviteRoutes } from "./routes/invites.ts";
import { liveRoutes } from "./routes/live.ts";
import { messageRoutes } from "./routes/messages.ts";
import { notifyRoutes } from "./routes/notify.ts";
import { outgoingWebhookRoutes } from "./routes/outgoing-webhooks.ts";
import { peopleRoutes } from "./routes/people.ts";
import { pinRoutes } from "./routes/pins.ts";
import { presenceRoutes } from "./routes/presence.ts";
import { scheduledRoutes } from "./routes/scheduled.ts";
import { searchRoutes } from "./routes/search.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { commandResponseRoutes, slashCommandRoutes } from "./routes/slash-commands.ts";
import { subscriptionRoutes } from "./routes/subscriptions.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { webhookSettingRoutes } from "./routes/webhook-settings.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export type { ApiDeps } from "./deps.ts";

/** Every route of the API, as data: the router and the OpenAPI document both read this list. */
export const apiSpecs: ApiRouteSpec[] = [
  ...peopleRoutes,
  ...avatarRoutes,
  ...exportRoutes,
  ...communityRoutes,
  ...inviteRoutes,
  ...auditRoutes,
  ...channelRoutes,
  ...messageRoutes,
  ...notifyRoutes,
  ...pinRoutes,
  ...attachmentRoutes,
  ...imageRoutes,
  ...searchRoutes,
  ...presenceRoutes,
  ...liveRoutes,
  ...sessionRoutes,
  ...tokenRoutes,
  ...commandRoutes,
  ...webhookSettingRoutes,
  ...scheduledRoutes,
  ...slashCommandRoutes,
  ...outgoingWebhookRoutes,
  ...subscriptionRoutes,
] as ApiRouteSpec[];

/** Every route of the API service. */
export function apiRoutes(deps: ApiDeps) {
  return [
    route("GET", "/api/healthz", () => Response.json({ ok: true, service: "api" })),
    openApiRoute(apiSpecs, deps.config.publicUrl),
    ...apiSpecs.map((spec) => toRoute(spec, deps)),
    ...webhookRoutes(deps),
    ...commandResponseRoutes(deps),
  ];
}
