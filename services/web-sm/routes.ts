import { clientOf } from "../../lib/http/caller.ts";
import { openLiveStream } from "../../lib/http/live-stream.ts";
import { type Handler, type RequestContext, route } from "../../lib/http/router.ts";
import type { SessionManagerDeps } from "../../lib/http/session-manager-deps.ts";
import * as actions from "./actions.ts";
import type { Member } from "./api-types.ts";
import { type Again, action, page } from "./errors.ts";
import { webStream } from "./live.ts";
import * as pages from "./pages.ts";
import { names, rememberNames } from "./shell.ts";
import { serveStatic } from "./static.ts";

/** The web session manager's dependencies: those of every session manager. */
export type WebDeps = SessionManagerDeps;

type DepsHandler = (req: Request, ctx: RequestContext, deps: WebDeps) => Promise<Response>;

/** Every route of the web session manager: pages, its forms, the fragments and actions htmx asks for, the live stream. */
export function webRoutes(deps: WebDeps) {
  const p = (h: DepsHandler, again?: Again): Handler => page((req, ctx) => h(req, ctx, deps), again);
  const a = (h: DepsHandler): Handler => action((req, ctx) => h(req, ctx, deps));
  return [
    route("GET", "/static/:file", (_req, ctx) => serveStatic(ctx.params.file ?? "")),
    route("GET", "/", p(pages.home)),
    route("GET", "/c/:slug", p(pages.communityHome)),
    route("GET", "/c/:slug/channels/:name", p(pages.channelPage)),
    route("GET", "/c/:slug/browse", p(pages.browsePage)),
    route("GET", "/c/:slug/members", p(pages.membersPage)),
    route("GET", "/c/:slug/new-message", p(pages.newMessagePage)),
    route("GET", "/m/:id", p(pages.permalink)),
    route("GET", "/saved", p(pages.savedPage)),
    route("GET", "/dm/:id", p(pages.dmPage)),
    route("GET", "/dms", p(pages.dmsPage)),
    route(
      "GET",
      "/search",
      p(pages.searchPage, (req, ctx, failure) => pages.searchPage(req, ctx, deps, failure)),
    ),
    route("GET", "/notifications", p(pages.notificationsPage)),
    route("GET", "/settings", p(pages.settingsPage)),
    route(
      "POST",
      "/communities",
      p(actions.createCommunity, (req, ctx, failure) =>
        actions.createCommunityAgain(req, ctx, deps, failure),
      ),
    ),
    route(
      "POST",
      "/c/:slug/channels",
      p(actions.createChannel, (req, ctx, failure) => pages.browsePage(req, ctx, deps, failure)),
    ),
    route("POST", "/settings/profile", p(actions.updateProfile)),
    route(
      "POST",
      "/settings/avatar",
      p(actions.setAvatar, (req, ctx, avatarFailure) =>
        pages.settingsPage(req, ctx, deps, { avatarFailure }),
      ),
    ),
    route("POST", "/settings/avatar/remove", p(actions.removeAvatar)),
    route("POST", "/settings/command", p(actions.settingsCommand)),
    route("POST", "/settings/slash-commands", p(actions.createSlashCommand)),
    route("POST", "/settings/slash-commands/delete", p(actions.deleteSlashCommand)),
    route("POST", "/settings/dnd", p(actions.setDnd)),
    route("POST", "/settings/notify/:id", p(actions.setChannelNotify)),
    route("POST", "/settings/invites", p(actions.createInvite)),
    route("POST", "/settings/webhooks/:id", p(actions.updateWebhook)),
    route("POST", "/settings/invites/:id/revoke", p(actions.revokeInvite)),
    route("POST", "/settings/sessions/revoke-all", p(actions.endAllSessions)),
    route("POST", "/settings/sessions/:id/delete", p(actions.endSession)),
    route("POST", "/web/dm", p(actions.openDm)),
    route("POST", "/web/channels/:id/join", p(actions.joinChannel)),
    route("POST", "/web/channels/:id/messages", a(actions.postMessage)),
    route("POST", "/web/typing", a(actions.typing)),
    route("POST", "/web/channels/:id/read", a(actions.markRead)),
    route("POST", "/web/scheduled/:id/cancel", a(actions.cancelScheduled)),
    route("GET", "/web/messages/:id/edit", a(actions.editMessageForm)),
    route("POST", "/web/messages/:id/edit", a(actions.editMessage)),
    route("POST", "/web/messages/:id/delete", a(actions.deleteMessage)),
    route("POST", "/web/messages/:id/preview/remove", a(actions.removePreview)),
    route("GET", "/web/messages/:id/react", a(actions.reactionPickerFragment)),
    route("POST", "/web/messages/:id/react", a(actions.react)),
    route("POST", "/web/messages/:id/pin", a(actions.togglePin)),
    route("POST", "/web/messages/:id/save", a(actions.toggleSaved)),
    route("GET", "/web/channels/:id/pins", a(actions.pinsFragment)),
    route("GET", "/web/people/:id", a(actions.profileFragment)),
    route("GET", "/web/complete", a(actions.completions)),
    route("GET", "/web/community", a(actions.switchCommunity)),
    route("GET", "/web/thread/:id", a(actions.threadFragment)),
    route("GET", "/web/older", a(actions.olderMessages)),
    route("GET", "/web/sidebar", a(actions.sidebarFragment)),
    route("GET", "/web/bell", a(actions.bellFragment)),
    route("GET", "/web/notifications", a(actions.notificationsPanel)),
    route("POST", "/web/notifications/read", a(actions.markNotificationsRead)),
    route("GET", "/events", (req, ctx) => {
      const community = ctx.url.searchParams.get("community") || null;
      if (community) warmNames(req, ctx, deps, community);
      const channel = ctx.url.searchParams.get("channel") || null;
      const stream = webStream(channel);
      return openLiveStream({
        req,
        ctx,
        hub: deps.hub,
        api: deps.api,
        registry: deps.streams,
        limits: deps.limits,
        communitySlug: community,
        render: stream.render,
        unread: true,
        // The open channel's messages arrive though the reader has not joined it (a preview).
        watch: channel ? [channel] : [],
        onContext: stream.onContext,
      });
    }),
  ];
}

/**
 * Learns the community's names once per process, so "typing" lines name people: tabs opening
 * together share one request; a failed one is tried again by the next tab.
 */
const warmed = new Map<string, Promise<void>>();
function warmNames(req: Request, ctx: RequestContext, deps: WebDeps, slug: string) {
  if (warmed.has(slug)) return;
  const warming = Promise.resolve()
    .then(() =>
      clientOf(req, ctx, deps.api).get<{ items: Member[] }>(
        `/api/communities/${encodeURIComponent(slug)}/members`,
      ),
    )
    .then((members) => {
      rememberNames(members.items.map((m) => m.user));
      if (names.size >= 5000) warmed.delete(slug);
    })
    .catch(() => {
      // Names are a nicety: "Someone is typing…" until they are known.
      warmed.delete(slug);
    });
  warmed.set(slug, warming);
}
