import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import type { Config } from "../../lib/config.ts";
import { isCallerError } from "../../lib/errors.ts";
import { clientOf } from "../../lib/http/caller.ts";
import { statusOf } from "../../lib/http/errors.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import type { RequestContext } from "../../lib/http/router.ts";
import { doPublishTyping } from "../../lib/live/typing.ts";
import { log } from "../../lib/log.ts";
import type { Channel, Message, Page } from "./api-types.ts";
import { channelIdOf, formOf, redirect } from "./caller.ts";
import { loadShell } from "./shell.ts";
import { ephemeralReply, messageList } from "./views/channel.ts";
import { bellCount, sidebar } from "./views/layout.ts";
import { editForm, markdown } from "./views/message.ts";

export interface ActionDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
}

const noContent = () => new Response(null, { status: 204 });

/** An action that failed in a way the person can fix: the message goes where the form shows errors. */
function formError(target: string, err: unknown) {
  if (!isCallerError(err)) throw err;
  return htmlResponse(
    html`<hx-partial hx-target="${target}" hx-swap="innerHTML">${err.message}</hx-partial>`,
    statusOf(err),
  );
}

/**
 * The composer: a message, a thread reply, or — starting with `/` — a slash command whose reply is
 * drawn for this person only. A posted message reaches every tab (this one too) over the live stream.
 */
export async function postMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const channelId = channelIdOf(ctx.params.id);
  const form = await formOf(req, deps.config);
  const body = (form.body ?? "").trim();
  const parentId = form.parent_id || null;
  const errors = parentId ? "#thread-composer .composer-error" : "#composer .composer-error";
  if (!body) return noContent();
  try {
    if (body.startsWith("/") && !body.startsWith("//") && !parentId) {
      const r = await client.post<{ reply_md: string }>("/api/commands", {
        channel_id: channelId,
        text: body,
      });
      return htmlResponse(ephemeralReply(markdown(r.reply_md || "Done."), true));
    }
    await client.post(`/api/channels/${encodeURIComponent(channelId)}/messages`, {
      body_md: body,
      parent_id: parentId,
      client_msg_id: form.client_msg_id || undefined,
    });
  } catch (err) {
    if (isCallerError(err) && body.startsWith("/")) {
      return htmlResponse(ephemeralReply(html`${err.message}`, false));
    }
    return formError(errors, err);
  } finally {
    void stopTyping(deps, client, channelId);
  }
  return htmlResponse(html`<hx-partial hx-target="${errors}" hx-swap="innerHTML"></hx-partial>`);
}

async function stopTyping(deps: ActionDeps, client: ApiClient, channelId: string) {
  try {
    const me = await client.get<{ id: string }>("/api/me");
    await doPublishTyping(deps.bus, client, me.id, { channel_id: channelId, state: "stop" });
  } catch (err) {
    log.debug("typing stop not sent", { error: String(err) });
  }
}

export async function typing(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const state = form.state === "stop" ? "stop" : "start";
  const me = await client.get<{ id: string }>("/api/me");
  await doPublishTyping(deps.bus, client, me.id, { channel_id: channelIdOf(form.channel_id), state });
  return noContent();
}

export async function editMessageForm(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const m = await client.get<Message>(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  return htmlResponse(editForm(m));
}

export async function editMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const id = encodeURIComponent(ctx.params.id ?? "");
  try {
    await client.patch(`/api/messages/${id}`, { body_md: form.body ?? "" });
  } catch (err) {
    return formError(`#msg-${ctx.params.id} .edit-slot`, err);
  }
  return noContent();
}

export async function deleteMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.delete(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  return noContent();
}

/** Toggles the caller's reaction: on when they have none with this emoji, off when they have. */
export async function react(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const emoji = (form.emoji ?? "").trim();
  if (!emoji) return noContent();
  const id = encodeURIComponent(ctx.params.id ?? "");
  const m = await client.get<{ reactions: { emoji: string; reacted_by_me: boolean }[] }>(
    `/api/messages/${id}`,
  );
  const mine = m.reactions.some((r) => r.emoji === emoji && r.reacted_by_me);
  const path = `/api/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
  if (mine && form.mode !== "add") await client.delete(path);
  else await client.put(path);
  return noContent();
}

export async function joinChannel(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const id = encodeURIComponent(ctx.params.id ?? "");
  await client.post(`/api/channels/${id}/join`);
  const c = await client.get<Channel>(`/api/channels/${id}`);
  const communities = await client.get<{ items: { id: string; slug: string }[] }>("/api/communities");
  const slug = communities.items.find((x) => x.id === c.community_id)?.slug ?? "";
  return redirect(`/c/${encodeURIComponent(slug)}/channels/${encodeURIComponent(c.name)}`);
}

export async function openDm(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const dm = await client.post<{ id: string }>("/api/dm", { user_ids: [form.user_id] });
  return redirect(`/dm/${dm.id}`);
}

export async function olderMessages(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const channelId = channelIdOf(ctx.url.searchParams.get("channel"));
  const before = ctx.url.searchParams.get("before") ?? "";
  const page = await client.get<Page<Message>>(
    `/api/channels/${encodeURIComponent(channelId)}/messages?before=${encodeURIComponent(before)}&limit=50`,
  );
  return htmlResponse(messageList(page.items, { channelId, hasMore: page.has_more }));
}

export async function sidebarFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.url.searchParams.get("community") || null;
  const shell = await loadShell(deps.bus, client, slug);
  return htmlResponse(sidebar(shell, ctx.url.searchParams.get("channel") || null));
}

export async function bellFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const n = await client.get<{ unread_count: number }>("/api/notifications?unread=true&limit=1");
  return htmlResponse(bellCount(n.unread_count));
}

export async function markNotificationsRead(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.post("/api/notifications/read", { all: true });
  return noContent();
}

export async function updateProfile(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  await client.patch("/api/me", { display_name: form.display_name, avatar_url: form.avatar_url || null });
  return redirect("/settings");
}

export async function endSession(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.delete(`/api/sessions/${encodeURIComponent(ctx.params.id ?? "")}`);
  return redirect("/settings");
}

export async function endAllSessions(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.post("/api/sessions/revoke-all");
  return redirect("/login");
}
