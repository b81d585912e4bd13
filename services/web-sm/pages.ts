import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import type { Config } from "../../lib/config.ts";
import { AppError, isCallerError, notFound } from "../../lib/errors.ts";
import { clientOf } from "../../lib/http/caller.ts";
import { statusOf } from "../../lib/http/errors.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import type { RequestContext } from "../../lib/http/router.ts";
import type { Channel, Member, Message, Notification, Page } from "./api-types.ts";
import { formOf, redirect } from "./caller.ts";
import { channelPath, dmName, loadShell, names, rememberNames, type Shell } from "./shell.ts";
import { channelPane, threadPanel } from "./views/channel.ts";
import { appPage } from "./views/layout.ts";
import {
  browsePane,
  createCommunityPage,
  type InviteItem,
  membersPane,
  messageHref,
  notificationsPanel,
  type SessionItem,
  searchPane,
  settingsPane,
} from "./views/pages.ts";

export interface PageDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
}

const HISTORY = 50;
const AROUND = 25;

/** `/`: the first community's #general; the create form for someone in none. */
export async function home(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const { items } = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const first = items[0];
  if (!first) return htmlResponse(createCommunityPage());
  return redirect(`/c/${encodeURIComponent(first.slug)}`, 302);
}

export async function createCommunity(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  try {
    const c = await client.post<{ slug: string }>("/api/communities", { name: form.name, slug: form.slug });
    return redirect(channelPath(c.slug, "general"));
  } catch (err) {
    if (isCallerError(err)) return htmlResponse(createCommunityPage(err.message, form), statusOf(err));
    throw err;
  }
}

export async function communityHome(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const { items } = await client.get<{ items: Channel[] }>(
    `/api/communities/${encodeURIComponent(slug)}/channels`,
  );
  const first = items.find((c) => c.name === "general" && c.is_member) ?? items.find((c) => c.is_member);
  return redirect(first ? channelPath(slug, first.name) : `/c/${encodeURIComponent(slug)}/browse`, 302);
}

/** A page of history: the latest, or the messages around one (`?at=`) when jumping to it. */
async function history(client: ApiClient, channel: Channel, at: string | null) {
  const base = `/api/channels/${channel.id}/messages`;
  if (!at) return client.get<Page<Message>>(`${base}?limit=${HISTORY}`);
  const target = await client.get<Message>(`/api/messages/${encodeURIComponent(at)}`);
  if (target.channel_id !== channel.id) throw notFound("message");
  const anchor = target.parent_id ? await client.get<Message>(`/api/messages/${target.parent_id}`) : target;
  const [older, newer] = await Promise.all([
    client.get<Page<Message>>(`${base}?before=${anchor.id}&limit=${AROUND}`),
    client.get<Page<Message>>(`${base}?after=${anchor.id}&limit=${AROUND}`),
  ]);
  return { items: [...newer.items, anchor, ...older.items], has_more: older.has_more };
}

async function thread(client: ApiClient, channel: Channel, parentId: string, role: string | null) {
  const [parent, replies] = await Promise.all([
    client.get<Message>(`/api/messages/${encodeURIComponent(parentId)}`),
    client.get<Page<Message>>(`/api/messages/${encodeURIComponent(parentId)}/replies?limit=200`),
  ]);
  if (parent.channel_id !== channel.id) throw notFound("message");
  rememberNames(
    replies.items.flatMap((m) =>
      m.author.id ? [{ id: m.author.id, display_name: m.author.display_name }] : [],
    ),
  );
  return threadPanel(channel, parent, replies.items, role);
}

async function conversationPage(ctx: RequestContext, client: ApiClient, shell: Shell, channel: Channel) {
  const at = ctx.url.searchParams.get("at");
  const threadId = ctx.url.searchParams.get("thread");
  const jumpTarget = at
    ? await client.get<Message>(`/api/messages/${encodeURIComponent(at)}`).catch(() => null)
    : null;
  const openThread = threadId ?? jumpTarget?.parent_id ?? null;
  const role = shell.community?.role ?? null;
  const [page, side] = await Promise.all([
    history(client, channel, at),
    openThread ? thread(client, channel, openThread, role) : null,
  ]);
  rememberNames(
    page.items.flatMap((m) =>
      m.author.id ? [{ id: m.author.id, display_name: m.author.display_name }] : [],
    ),
  );
  const isDm = channel.community_id === null;
  const name = isDm ? dmName(channel, shell.me.id) : channel.name;
  const pane = channelPane(channel, {
    title: isDm
      ? html`${name}`
      : html`<span class="sigil">${channel.visibility === "private" ? "🔒" : "#"}</span>${name}`,
    messages: page.items,
    hasMore: page.has_more,
    role,
    label: isDm ? `Message ${name}` : `Message #${name}`,
  });
  return htmlResponse(
    appPage(shell, {
      title: isDm ? name : `#${name}`,
      url: ctx.url.pathname + ctx.url.search,
      channel,
      pane,
      side,
    }),
  );
}

export async function channelPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const shell = await loadShell(deps.bus, client, slug);
  const channel = shell.channels.find((c) => c.name === ctx.params.name);
  if (!channel) throw notFound("channel");
  if (!channel.is_member) {
    const pane = html`<header class="pane-head"><h1>#${channel.name}</h1><p class="topic">${channel.topic}</p></header>
<div class="card"><p>You are not in #${channel.name} yet.</p><form method="post" action="/web/channels/${channel.id}/join"><button type="submit">Join #${channel.name}</button></form></div>`;
    return htmlResponse(appPage(shell, { title: `#${channel.name}`, url: ctx.url.pathname, channel, pane }));
  }
  return conversationPage(ctx, client, shell, channel);
}

/** A DM is global; the sidebar shows the community named by `?c=`, else the first one. */
export async function dmPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const [channel, communities] = await Promise.all([
    client.get<Channel>(`/api/channels/${encodeURIComponent(ctx.params.id ?? "")}`),
    client.get<{ items: { slug: string }[] }>("/api/communities"),
  ]);
  if (channel.community_id !== null) throw notFound("conversation");
  const slug = ctx.url.searchParams.get("c") ?? communities.items[0]?.slug ?? null;
  const shell = await loadShell(deps.bus, client, slug);
  const listed = shell.dms.find((d) => d.id === channel.id);
  return conversationPage(ctx, client, shell, { ...channel, ...listed });
}

export async function threadFragment(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const parent = await client.get<Message>(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  const channel = await client.get<Channel>(`/api/channels/${parent.channel_id}`);
  return htmlResponse(await thread(client, channel, parent.id, null));
}

export async function searchPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const q = (ctx.url.searchParams.get("q") ?? "").trim();
  const from = (ctx.url.searchParams.get("from") ?? "").trim();
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const slug = ctx.url.searchParams.get("community") || communities.items[0]?.slug || null;
  const shell = await loadShell(deps.bus, client, slug);
  let results: { message: Message; snippet: string }[] = [];
  let error: string | undefined;
  if (q) {
    const params = new URLSearchParams({ q, limit: "50", ...(from ? { from } : {}) });
    try {
      results = (await client.get<{ items: typeof results }>(`/api/search?${params}`)).items;
    } catch (err) {
      if (!isCallerError(err)) throw err;
      error = err.message;
    }
  }
  const channels = new Map([...shell.channels, ...shell.dms].map((c) => [c.id, c]));
  const missing = [...new Set(results.map((r) => r.message.channel_id).filter((id) => !channels.has(id)))];
  for (const c of await Promise.all(
    missing.map((id) => client.get<Channel>(`/api/channels/${id}`).catch(() => null)),
  )) {
    if (c) channels.set(c.id, c);
  }
  const pane = searchPane(shell, { q, from, results, channels, error });
  return htmlResponse(
    appPage(shell, { title: q ? `Search: ${q}` : "Search", url: ctx.url.pathname + ctx.url.search, pane }),
  );
}

export async function browsePage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const shell = await loadShell(deps.bus, client, ctx.params.slug ?? "");
  return htmlResponse(appPage(shell, { title: "Channels", url: ctx.url.pathname, pane: browsePane(shell) }));
}

export async function createChannel(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const form = await formOf(req, deps.config);
  try {
    const c = await client.post<Channel>(`/api/communities/${encodeURIComponent(slug)}/channels`, {
      name: form.name,
      topic: form.topic || undefined,
      visibility: form.private ? "private" : "public",
    });
    return redirect(channelPath(slug, c.name));
  } catch (err) {
    if (!isCallerError(err)) throw err;
    const shell = await loadShell(deps.bus, client, slug);
    return htmlResponse(
      appPage(shell, { title: "Channels", url: `/c/${slug}/browse`, pane: browsePane(shell, err.message) }),
      statusOf(err),
    );
  }
}

export async function membersPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const [shell, members] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<{ items: Member[] }>(`/api/communities/${encodeURIComponent(slug)}/members`),
  ]);
  rememberNames(members.items.map((m) => m.user));
  return htmlResponse(
    appPage(shell, { title: "Members", url: ctx.url.pathname, pane: membersPane(shell, members.items) }),
  );
}

async function runCommandIn(client: ApiClient, slug: string, text: string) {
  const { items } = await client.get<{ items: Channel[] }>(
    `/api/communities/${encodeURIComponent(slug)}/channels`,
  );
  const channel = items.find((c) => c.name === "general" && c.is_member) ?? items.find((c) => c.is_member);
  if (!channel) throw new AppError("invalid", "no_channel", "join a channel of this community first");
  try {
    const r = await client.post<{ ok: boolean; reply_md: string }>("/api/commands", {
      channel_id: channel.id,
      text,
    });
    return { ok: true, md: r.reply_md };
  } catch (err) {
    if (isCallerError(err)) return { ok: false, md: err.message };
    throw err;
  }
}

export async function settingsPage(
  req: Request,
  ctx: RequestContext,
  deps: PageDeps,
  commandReply?: { ok: boolean; md: string },
  newInvite?: { url: string },
) {
  const client = clientOf(req, ctx, deps.api);
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const slug = ctx.url.searchParams.get("community") || communities.items[0]?.slug || null;
  const [shell, sessions] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<{ items: SessionItem[] }>("/api/sessions"),
  ]);
  const role = shell.community?.role;
  const admin =
    slug && (role === "owner" || role === "admin")
      ? await Promise.all([
          runCommandIn(client, slug, "/token list"),
          runCommandIn(client, slug, "/webhook list"),
          client.get<{ items: InviteItem[] }>(`/api/communities/${encodeURIComponent(slug)}/invites`),
        ]).then(([t, w, i]) => ({ tokens: t.md, webhooks: w.md, invites: i.items }))
      : null;
  const pane = settingsPane(shell, { sessions: sessions.items, admin, commandReply, newInvite });
  return htmlResponse(appPage(shell, { title: "Settings", url: "/settings", pane }));
}

/** Makes an invite link (owners and admins) and shows it once on the settings page. */
export async function createInvite(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = form.community ?? "";
  const days = Number(form.expires_days || "7");
  const uses = form.max_uses ? Number(form.max_uses) : undefined;
  const invite = await client.post<{ url: string }>(`/api/communities/${encodeURIComponent(slug)}/invites`, {
    ...(uses ? { max_uses: uses } : {}),
    ...(days > 0 ? { expires_in: Math.round(days * 86_400) } : {}),
  });
  const url = new URL(ctx.url);
  url.searchParams.set("community", slug);
  return settingsPage(req, { ...ctx, url }, deps, undefined, invite);
}

/** Revokes an invite link; the page shows what is left. */
export async function revokeInvite(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = form.community ?? "";
  await client.delete(
    `/api/communities/${encodeURIComponent(slug)}/invites/${encodeURIComponent(ctx.params.id ?? "")}`,
  );
  return new Response(null, {
    status: 303,
    headers: { Location: `/settings?community=${encodeURIComponent(slug)}` },
  });
}

export async function settingsCommand(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const reply = await runCommandIn(client, form.community ?? "", form.text ?? "");
  return settingsPage(req, ctx, deps, reply);
}

export async function notificationsPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const shell = await loadShell(deps.bus, client, communities.items[0]?.slug ?? null);
  const pane = await notificationsFragment(client, shell);
  return htmlResponse(appPage(shell, { title: "Notifications", url: "/notifications", pane }));
}

/** The notifications panel with links that open each message in context. */
export async function notificationsFragment(client: ApiClient, shell?: Shell) {
  const [list, communities] = await Promise.all([
    client.get<Page<Notification> & { unread_count: number }>("/api/notifications?limit=30"),
    shell
      ? { items: shell.communities }
      : client.get<{ items: { id: string; slug: string }[] }>("/api/communities"),
  ]);
  const slugOf = (id: string) => communities.items.find((c) => c.id === id)?.slug;
  const link = (n: Notification) => {
    if (!n.channel_id) return "/notifications";
    const communityId = typeof n.data.community_id === "string" ? n.data.community_id : null;
    const name = typeof n.data.channel_name === "string" ? n.data.channel_name : null;
    const channel = { id: n.channel_id, community_id: communityId, name: name ?? "" } as Channel;
    return messageHref(
      { id: n.source_id, channel_id: n.channel_id },
      communityId && name ? channel : undefined,
      slugOf,
    );
  };
  return notificationsPanel(list.items, list.unread_count, link, names);
}
