import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import type { Config } from "../../lib/config.ts";
import { AppError, isCallerError, notFound } from "../../lib/errors.ts";
import { clientOf } from "../../lib/http/caller.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import type { RequestContext } from "../../lib/http/router.ts";
import type { BotToken, Channel, Dm, Member, Message, Notification, Page } from "./api-types.ts";
import type { Failure } from "./errors.ts";
import { redirect } from "./forms.ts";
import { channelPath, dmName, loadShell, names, rememberNames, type Shell } from "./shell.ts";
import { channelPane, threadPanel } from "./views/channel.ts";
import { appPage } from "./views/layout.ts";
import {
  type AuditItem,
  browsePane,
  createCommunityPage,
  dmsPane,
  type InviteItem,
  membersPane,
  messageHref,
  newMessagePane,
  notificationsPanel,
  type ScheduledItem,
  type SessionItem,
  savedPane,
  searchPane,
  settingsPane,
} from "./views/pages.ts";
import type { DeliveryItem, WebhookItem } from "./views/webhooks.ts";

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
async function history(client: ApiClient, channel: Channel, target: Message | null) {
  const base = `/api/channels/${channel.id}/messages`;
  if (!target) return client.get<Page<Message>>(`${base}?limit=${HISTORY}`);
  if (target.channel_id !== channel.id) throw notFound("message");
  const anchor = target.parent_id ? await client.get<Message>(`/api/messages/${target.parent_id}`) : target;
  const [older, newer] = await Promise.all([
    client.get<Page<Message>>(`${base}?before=${anchor.id}&limit=${AROUND}`),
    client.get<Page<Message>>(`${base}?after=${anchor.id}&limit=${AROUND}`),
  ]);
  return { items: [...newer.items, anchor, ...older.items], has_more: older.has_more };
}

/** A thread in the side panel, for a page or for the fragment that opens one. */
export async function thread(client: ApiClient, channel: Channel, parentId: string) {
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
  return threadPanel(channel, parent, replies.items);
}

async function conversationPage(ctx: RequestContext, client: ApiClient, shell: Shell, channel: Channel) {
  const at = ctx.url.searchParams.get("at");
  const threadId = ctx.url.searchParams.get("thread");
  const jumpTarget = at ? await client.get<Message>(`/api/messages/${encodeURIComponent(at)}`) : null;
  const openThread = threadId ?? jumpTarget?.parent_id ?? null;
  const [page, side] = await Promise.all([
    history(client, channel, jumpTarget),
    openThread ? thread(client, channel, openThread) : null,
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
  if (!channel.is_member && !channel.archived_at) {
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
  // Older than the sidebar's page: its members (the conversation's name) are in a later one.
  const listed =
    shell.dms.find((d) => d.id === channel.id) ??
    (shell.moreDms
      ? (await client.all<Channel>("/api/dm")).items.find((d) => d.id === channel.id)
      : undefined);
  return conversationPage(ctx, client, shell, { ...channel, ...listed });
}

/** Every DM and group DM, most recently active first, a page at a time. */
export async function dmsPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const after = ctx.url.searchParams.get("after") ?? "";
  const params = new URLSearchParams({ limit: "100", ...(after ? { after } : {}) });
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const slug = ctx.url.searchParams.get("c") ?? communities.items[0]?.slug ?? null;
  const [shell, dms] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<Page<Dm>>(`/api/dm?${params}`),
  ]);
  rememberNames(dms.items.flatMap((d) => d.members ?? []));
  const pane = dmsPane(shell, dms.items, dms.next_cursor ?? null);
  return htmlResponse(appPage(shell, { title: "Direct messages", url: ctx.url.pathname, pane }));
}

/** Search results; a query the API refuses is shown above the form again (`failure`). */
export async function searchPage(req: Request, ctx: RequestContext, deps: PageDeps, failure?: Failure) {
  const client = clientOf(req, ctx, deps.api);
  const q = (ctx.url.searchParams.get("q") ?? "").trim();
  const from = (ctx.url.searchParams.get("from") ?? "").trim();
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const slug = ctx.url.searchParams.get("community") || communities.items[0]?.slug || null;
  const shell = await loadShell(deps.bus, client, slug);
  const params = new URLSearchParams({ q, limit: "50", ...(from ? { from } : {}) });
  const results =
    q && !failure
      ? (await client.get<{ items: { message: Message; snippet: string }[] }>(`/api/search?${params}`)).items
      : [];
  const channels = new Map([...shell.channels, ...shell.dms].map((c) => [c.id, c]));
  const missing = [...new Set(results.map((r) => r.message.channel_id).filter((id) => !channels.has(id)))];
  for (const c of await Promise.all(
    missing.map((id) => client.get<Channel>(`/api/channels/${id}`).catch(() => null)),
  )) {
    if (c) channels.set(c.id, c);
  }
  const pane = searchPane(shell, { q, from, results, channels, error: failure?.message });
  return htmlResponse(
    appPage(shell, { title: q ? `Search: ${q}` : "Search", url: ctx.url.pathname + ctx.url.search, pane }),
    failure?.status,
  );
}

/** The channel browser; a channel that could not be made is named above its form (`failure`). */
export async function browsePage(req: Request, ctx: RequestContext, deps: PageDeps, failure?: Failure) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const shell = await loadShell(deps.bus, client, slug);
  const pane = browsePane(shell, failure?.message);
  return htmlResponse(appPage(shell, { title: "Channels", url: `/c/${slug}/browse`, pane }), failure?.status);
}

export async function membersPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const q = ctx.url.searchParams.get("q") ?? "";
  const after = ctx.url.searchParams.get("after") ?? "";
  const params = new URLSearchParams({ limit: "100", ...(q ? { q } : {}), ...(after ? { after } : {}) });
  const [shell, members] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<Page<Member>>(`/api/communities/${encodeURIComponent(slug)}/members?${params}`),
  ]);
  rememberNames(members.items.map((m) => m.user));
  const pane = membersPane(shell, members.items, { q, next: members.next_cursor ?? null });
  return htmlResponse(appPage(shell, { title: "Members", url: ctx.url.pathname, pane }));
}

/** A permalink: the message in its channel (a reply in its thread), for whoever may read it. */
export async function permalink(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const m = await client.get<Message>(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  const [channel, communities] = await Promise.all([
    client.get<Channel>(`/api/channels/${m.channel_id}`),
    client.get<{ items: { id: string; slug: string }[] }>("/api/communities"),
  ]);
  return redirect(
    messageHref(m, channel, (id) => communities.items.find((c) => c.id === id)?.slug),
    302,
  );
}

/** Your saved messages, each linking to where it was said; redrawn live when you save or forget one. */
export async function savedPage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const [shell, page] = await Promise.all([
    loadShell(deps.bus, client, ctx.url.searchParams.get("community") || communities.items[0]?.slug || null),
    client.get<Page<{ message: Message }>>("/api/saved?limit=100"),
  ]);
  return htmlResponse(appPage(shell, { title: "Saved", url: "/saved", pane: savedPane(page.items) }));
}

/** "New message": pick people of the community (and say something) to start a DM or group DM. */
export async function newMessagePage(req: Request, ctx: RequestContext, deps: PageDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const [shell, members] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<{ items: Member[] }>(`/api/communities/${encodeURIComponent(slug)}/members`),
  ]);
  return htmlResponse(
    appPage(shell, {
      title: "New message",
      url: ctx.url.pathname,
      pane: newMessagePane(shell, members.items, ctx.url.searchParams),
    }),
  );
}

type CommandEffect = { type: string; channel_id?: string };

/** A slash command's reply for its caller: a refused command (bad arguments, not allowed) answers with why. */
export function commandReply(client: ApiClient, channelId: string, text: string) {
  return client
    .post<{ reply_md: string; effects?: CommandEffect[] }>("/api/commands", { channel_id: channelId, text })
    .then(
      (r) => ({ ok: true, md: r.reply_md, effects: r.effects ?? [] }),
      (err: unknown) => {
        if (!isCallerError(err)) throw err;
        return { ok: false, md: err.message, effects: [] as CommandEffect[] };
      },
    );
}

/** A command run from a community's settings, in its #general (or the first channel the caller is in). */
export async function runCommandIn(client: ApiClient, slug: string, text: string) {
  const { items } = await client.get<{ items: Channel[] }>(
    `/api/communities/${encodeURIComponent(slug)}/channels`,
  );
  const channel = items.find((c) => c.name === "general" && c.is_member) ?? items.find((c) => c.is_member);
  if (!channel) throw new AppError("invalid", "no_channel", "join a channel of this community first");
  return commandReply(client, channel.id, text);
}

/** The community's webhooks, each with its last calls (a settings page shows a few webhooks). */
async function webhooksWithLogs(client: ApiClient, slug: string): Promise<WebhookItem[]> {
  const { items } = await client.get<{ items: Omit<WebhookItem, "deliveries">[] }>(
    `/api/communities/${encodeURIComponent(slug)}/webhooks`,
  );
  return Promise.all(
    items.map(async (w) => ({
      ...w,
      deliveries: (await client.get<{ items: DeliveryItem[] }>(`/api/webhooks/${w.id}/deliveries?limit=10`))
        .items,
    })),
  );
}

/** Settings; after a form of its own, with what it answered (a command's reply, an invite link made). */
export async function settingsPage(
  req: Request,
  ctx: RequestContext,
  deps: PageDeps,
  answered: {
    commandReply?: { ok: boolean; md: string };
    newInvite?: { url: string };
    slashReply?: { ok: boolean; md: string };
    /** Why the avatar form failed, shown beside it. */
    avatarFailure?: Failure;
  } = {},
) {
  const client = clientOf(req, ctx, deps.api);
  const communities = await client.get<{ items: { slug: string }[] }>("/api/communities");
  const slug = ctx.url.searchParams.get("community") || communities.items[0]?.slug || null;
  // Sessions and bot tokens page on with their own cursors, so each list moves alone.
  const pageOf = (name: string) => {
    const after = ctx.url.searchParams.get(name);
    return new URLSearchParams({ limit: "50", ...(after ? { after } : {}) });
  };
  const [shell, sessions, scheduled] = await Promise.all([
    loadShell(deps.bus, client, slug),
    client.get<Page<SessionItem>>(`/api/sessions?${pageOf("sessions_after")}`),
    client.get<{ items: ScheduledItem[] }>("/api/scheduled"),
  ]);
  const role = shell.community?.role;
  const admin =
    slug && (role === "owner" || role === "admin")
      ? await Promise.all([
          client.get<Page<BotToken>>(
            `/api/communities/${encodeURIComponent(slug)}/tokens?${pageOf("tokens_after")}`,
          ),
          webhooksWithLogs(client, slug),
          client.get<{ items: InviteItem[] }>(`/api/communities/${encodeURIComponent(slug)}/invites`),
          runCommandIn(client, slug, "/command list"),
          runCommandIn(client, slug, "/outgoing list"),
        ]).then(([t, w, i, c, o]) => ({
          tokens: t.items,
          moreTokens: t.next_cursor ?? null,
          webhooks: w,
          commands: c.md,
          invites: i.items,
          outgoing: o.md,
        }))
      : null;
  const audit =
    slug && role === "owner"
      ? (
          await client.get<{ items: AuditItem[] }>(
            `/api/communities/${encodeURIComponent(slug)}/audit?limit=50`,
          )
        ).items
      : undefined;
  const pane = settingsPane(shell, {
    sessions: sessions.items,
    scheduled: scheduled.items,
    moreSessions: sessions.next_cursor ?? null,
    admin,
    audit,
    ...answered,
  });
  return htmlResponse(
    appPage(shell, { title: "Settings", url: "/settings", pane }),
    answered.avatarFailure?.status ?? 200,
  );
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
