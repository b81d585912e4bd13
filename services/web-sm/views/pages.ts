import sanitizeHtml from "sanitize-html";
import { whyNotified } from "../../../lib/client/views.ts";
import { html, SafeHtml } from "../../../lib/http/html.ts";
import type { BotToken, Channel, Community, Dm, Member, Message, Notification } from "../api-types.ts";
import { channelPath, dmName, type Shell } from "../shell.ts";
import { cancelScheduledButton } from "./channel.ts";
import { document, presenceDot } from "./layout.ts";
import { avatar, markdown, messageItem, timeTag } from "./message.ts";
import { type WebhookItem, webhookCards } from "./webhooks.ts";

/** A page with no app around it: sign-in problems, errors, creating the first community. */
export function plainPage(title: string, body: SafeHtml) {
  return document(title, html`<main class="plain">${body}</main>`);
}

export function errorPage(status: number, message: string) {
  return plainPage(
    status === 404 ? "Not found" : "Something went wrong",
    html`<h1>${status === 404 ? "Not found" : "Something went wrong"}</h1><p>${message}</p><p><a href="/">Back to the chat</a></p>`,
  );
}

export function createCommunityPage(error?: string, values: Record<string, string> = {}) {
  return plainPage(
    "Create your community",
    html`<h1>Create your community</h1><p>You are signed in but belong to no community yet. Make one — you will own it and it starts with a #general channel. (To join someone else's, open their invite link.)</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/communities" class="stack">
<label for="name">Name</label><input id="name" name="name" required maxlength="80" value="${values.name ?? ""}">
<label for="slug">Address (letters, digits and dashes)</label><input id="slug" name="slug" required maxlength="40" pattern="[a-z0-9][a-z0-9\\-]*" value="${values.slug ?? ""}">
<button type="submit">Create community</button></form>`,
  );
}

/** Where a message lives, as a link that opens it in context. */
export function messageHref(
  m: { id: string; channel_id: string },
  channel: Channel | undefined,
  slugOf: (id: string) => string | undefined,
) {
  const at = `?at=${m.id}#msg-${m.id}`;
  if (!channel?.community_id) return `/dm/${m.channel_id}${at}`;
  const slug = slugOf(channel.community_id);
  return slug ? `${channelPath(slug, channel.name)}${at}` : `/dm/${m.channel_id}${at}`;
}

const SNIPPET: sanitizeHtml.IOptions = { allowedTags: ["mark"], allowedAttributes: {} };

export function searchPane(
  shell: Shell,
  opts: {
    q: string;
    from: string;
    results: { message: Message; snippet: string }[];
    channels: Map<string, Channel>;
    error?: string;
  },
) {
  const slugOf = (id: string) => shell.communities.find((c) => c.id === id)?.slug;
  const label = (c: Channel | undefined) =>
    !c ? "a conversation" : c.community_id ? `#${c.name}` : dmName(c, shell.me.id);
  return html`<header class="pane-head"><h1>Search</h1></header>
<form class="search-page-form stack-row" action="/search" method="get" role="search">
<input type="search" name="q" value="${opts.q}" aria-label="Search words" placeholder='words, "a phrase", -not'>
<input name="from" value="${opts.from}" aria-label="From (username)" placeholder="from username">
${shell.community ? html`<input type="hidden" name="community" value="${shell.community.slug}">` : ""}
<button type="submit">Search</button></form>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ""}
<ol class="results" aria-label="Results">${opts.results.map((r) => {
    const c = opts.channels.get(r.message.channel_id);
    return html`<li class="result"><a class="result-link" href="${messageHref(r.message, c, slugOf)}"><span class="where">${label(c)}</span> · <strong>${r.message.author.display_name}</strong> · ${timeTag(r.message.created_at)}
<span class="snippet">${new SafeHtml(sanitizeHtml(r.snippet, SNIPPET))}</span></a></li>`;
  })}</ol>
${opts.q && !opts.results.length && !opts.error ? html`<p class="muted">No messages match.</p>` : ""}`;
}

export function browsePane(shell: Shell, error?: string) {
  const slug = shell.community?.slug ?? "";
  return html`<header class="pane-head"><h1>Channels of ${shell.community?.name ?? ""}</h1></header>
<section class="card"><h2>Create a channel</h2>${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/c/${slug}/channels" class="stack">
<label for="ch-name">Name</label><input id="ch-name" name="name" required maxlength="80" pattern="[a-z0-9][a-z0-9_\\-]*">
<label for="ch-topic">Topic</label><input id="ch-topic" name="topic" maxlength="250">
<label class="check"><input type="checkbox" name="private" value="1"> Private (invite only)</label>
<button type="submit">Create channel</button></form></section>
<section class="card"><h2>All channels</h2><ul class="browse">${shell.channels
    .filter((c) => !c.archived_at)
    .map(
      (c) =>
        html`<li><span class="sigil">${c.visibility === "private" ? "🔒" : "#"}</span><a href="${channelPath(slug, c.name)}">${c.name}</a> <span class="muted">${c.topic}</span> ${
          c.is_member
            ? html`<span class="badge">joined</span>`
            : html`<form method="post" action="/web/channels/${c.id}/join" class="inline"><button type="submit">Join</button></form>`
        }</li>`,
    )}</ul></section>
${archivedList(shell, slug)}`;
}

/** Archived channels, out of the way: still readable (and searchable) by those who could read them. */
function archivedList(shell: Shell, slug: string) {
  const archived = shell.channels.filter((c) => c.archived_at);
  if (archived.length === 0) return "";
  return html`<section class="card"><h2>Archived channels</h2><ul class="browse archived">${archived.map(
    (c) =>
      html`<li><span class="sigil">${c.visibility === "private" ? "🔒" : "#"}</span><a href="${channelPath(slug, c.name)}">${c.name}</a> <span class="muted">${c.topic}</span> <span class="badge">archived</span></li>`,
  )}</ul></section>`;
}

export function membersPane(shell: Shell, members: Member[], page: { q: string; next: string | null }) {
  return html`<header class="pane-head"><h1>Members of ${shell.community?.name ?? ""}</h1></header>
<form method="get" class="member-search" role="search"><input type="search" name="q" value="${page.q}" placeholder="Find people by name" aria-label="Find people by name" hx-get="" hx-trigger="input changed delay:200ms" hx-target="#members-list" hx-select="#members-list" hx-swap="outerHTML"></form>
<div id="members-list"><table class="members"><thead><tr><th scope="col">Name</th><th scope="col">Username</th><th scope="col">Role</th><th scope="col"><span class="sr">Message</span></th></tr></thead><tbody>${members.map(
    (m) =>
      html`<tr><td>${m.user.avatar_url ? avatar(m.user.display_name, m.user.avatar_url) : ""}${presenceDot(m.user.id, m.user.online)}${m.nickname ?? m.user.display_name}${m.user.is_bot ? html` <span class="badge bot">BOT</span>` : ""}${m.user.deactivated ? html` <span class="deactivated">(deactivated)</span>` : ""}</td><td>@${m.user.username}</td><td><span class="role role-${m.role}">${m.role}</span></td><td>${
        m.user.id === shell.me.id || m.user.is_bot || m.user.deactivated
          ? ""
          : html`<form method="post" action="/web/dm" class="inline"><input type="hidden" name="user_id" value="${m.user.id}"><button type="submit">Message</button></form>`
      }</td></tr>`,
  )}</tbody></table>${
    page.next
      ? html`<p><a class="next-page" href="?${new URLSearchParams({ ...(page.q ? { q: page.q } : {}), after: page.next }).toString()}">More people →</a></p>`
      : ""
  }</div>`;
}

/** Every conversation, most recently active first, with the way to older ones. */
export function dmsPane(shell: Shell, dms: Dm[], next: string | null) {
  return html`<header class="pane-head"><h1>Direct messages</h1></header>
<ul class="chan-list all-dms">${dms.map((d) => {
    const other = (d.members ?? []).find((m) => m.id !== shell.me.id);
    const unread = d.unread_count ?? 0;
    return html`<li><a href="/dm/${d.id}">${other ? presenceDot(other.id, other.online) : ""}${dmName(d, shell.me.id)}</a>${unread ? html` <span class="badge">${unread}</span>` : ""}<span class="muted"> ${timeTag(d.last_activity_at)}</span></li>`;
  })}</ul>${next ? html`<p><a class="next-page" href="?${new URLSearchParams({ after: next }).toString()}">Older conversations →</a></p>` : ""}`;
}

/** An audit log row as the API gives it to the community's owner. */
export interface AuditItem {
  id: string;
  at: string;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
}

/** Saved messages: private to the reader, newest first, each with a way back to it. */
export function savedPane(items: { message: Message }[]) {
  return html`<header class="pane-head"><h1>Saved</h1></header>
<div id="saved-list" hx-get="/saved" hx-select="#saved-list" hx-trigger="saved from:#live" hx-swap="outerHTML">
${items.length ? "" : html`<p class="muted">Nothing saved yet. Save a message with 🔖 to find it here.</p>`}
<ol class="saved-list">${items.map((i) => html`<li>${messageItem(i.message, { prefix: "saved", thread: true })}<a class="jump" href="/m/${i.message.id}">Jump</a></li>`)}</ol></div>`;
}

/**
 * "New message": a filter over the community's people, a tick for each to include, a first message.
 * The filter asks for the list again as typed; `query` carries the filter and the ticks so far,
 * so people ticked and then filtered out stay ticked (hidden, still sent).
 */
export function newMessagePane(shell: Shell, members: Member[], query = new URLSearchParams()) {
  const others = members.filter((m) => m.user.id !== shell.me.id && !m.user.is_bot && !m.user.deactivated);
  const q = (query.get("q") ?? "").trim().toLowerCase().replace(/^@/, "");
  const shown = (m: Member) => `${m.user.username} ${m.user.display_name.toLowerCase()}`.includes(q);
  return html`<header class="pane-head"><h1>New message</h1></header>
<form method="post" action="/web/dm" class="stack people-picker">
<input type="search" name="q" class="people-filter" placeholder="Find people" aria-label="Find people" autocomplete="off" hx-get="/c/${shell.community?.slug ?? ""}/new-message" hx-include="closest form" hx-select=".people" hx-target="next .people" hx-swap="outerHTML" hx-trigger="load, input changed delay:150ms">
<fieldset><legend>To (one person for a DM, several for a group DM)</legend><ul class="people">${others.map(
    (m) =>
      html`<li${shown(m) ? "" : html` hidden`}><label class="check"><input type="checkbox" name="user:${m.user.id}" value="1"${query.has(`user:${m.user.id}`) ? html` checked` : ""}> ${presenceDot(m.user.id, m.user.online)}${m.nickname ?? m.user.display_name} <span class="muted">@${m.user.username}</span></label></li>`,
  )}</ul></fieldset>
<label for="first-message">Message (optional)</label><textarea id="first-message" name="body" rows="3" maxlength="40000"></textarea>
<button type="submit">Start conversation</button></form>`;
}

const DND_CHOICES: [string, string][] = [
  ["30", "30 minutes"],
  ["60", "1 hour"],
  ["120", "2 hours"],
  ["480", "8 hours"],
  ["1440", "1 day"],
];

/** Do not disturb, and what notifies you in each of your channels and DMs. */
function notificationSettings(shell: Shell) {
  const dnd = shell.me.dnd_until ?? null;
  const slug = shell.community?.slug ?? "";
  const row = (c: Channel, label: string) =>
    html`<li><form method="post" action="/settings/notify/${c.id}" class="stack-row notify-row"><input type="hidden" name="community" value="${slug}"><span class="chan-name">${label}</span>
<select name="notify" aria-label="Notifications in ${label}">${["all", "mentions", "nothing"].map(
      (level) =>
        html`<option value="${level}"${c.notify === level ? " selected" : ""}>${level === "all" ? "Every message" : level === "mentions" ? "Mentions only" : "Nothing"}</option>`,
    )}</select>
<label class="check"><input type="checkbox" name="muted" value="1"${c.muted ? " checked" : ""}> Muted</label><button type="submit">Save</button></form></li>`;
  return html`<section class="card" id="notifications-settings"><h2>Notifications</h2>
<form method="post" action="/settings/dnd" class="stack-row"><input type="hidden" name="community" value="${slug}">${
    dnd
      ? html`<p role="status">Do not disturb until ${timeTag(dnd)}.</p><input type="hidden" name="minutes" value="off"><button type="submit">Turn off do not disturb</button>`
      : html`<label for="dnd-minutes">Do not disturb for</label><select id="dnd-minutes" name="minutes">${DND_CHOICES.map(
          ([v, label]) => html`<option value="${v}">${label}</option>`,
        )}</select><button type="submit">Pause notifications</button>`
  }</form>
<p><button type="button" class="enable-desktop" data-granted="Desktop notifications are on" data-denied="Desktop notifications are blocked" data-absent="This browser has no desktop notifications">Enable desktop notifications</button> <span class="muted">Shown for mentions, DMs and thread replies while this tab is hidden.</span></p>
<p class="muted">Mentions only is the default in channels, every message in DMs. Muted: unread messages there weigh nothing and nothing rings; mentions of you still count.</p>
<ul class="notify-prefs">${shell.channels
    .filter((c) => c.is_member && !c.archived_at)
    .map((c) => row(c, `#${c.name}`))}${shell.dms.map((d) => row(d, dmName(d, shell.me.id)))}</ul></section>`;
}

export interface InviteItem {
  id: string;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface SessionItem {
  id: string;
  created_at: string;
  last_used_at: string | null;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

/** A reminder or a message waiting to be sent, as `GET /api/scheduled` lists it. */
export interface ScheduledItem {
  id: string;
  kind: string;
  channel_name: string | null;
  username: string | null;
  body_md: string;
  send_at: string;
  repeat: string | null;
  state: string;
  failed_reason: string | null;
}

/** Your reminders and scheduled messages, each with its Cancel (or Dismiss, for one that failed). */
const scheduledCard = (items: ScheduledItem[]) =>
  html`<section class="card" id="scheduled"><h2>Scheduled</h2>${
    items.length === 0
      ? html`<p class="muted">Nothing waiting. ⏲ beside Send schedules a message; <code>/remind</code> sets a reminder.</p>`
      : html`<ul class="scheduled">${items.map(
          (j) =>
            html`<li>${timeTag(j.send_at)}${j.repeat ? html` <span class="muted">(${j.repeat})</span>` : ""} · ${
              j.channel_name ? `#${j.channel_name}` : j.username ? `@${j.username}` : "you"
            }${j.kind === "reminder" ? html` <span class="muted">reminder</span>` : ""}: ${j.body_md.slice(0, 140)}${
              j.state === "failed"
                ? html` <strong class="error">not sent: ${j.failed_reason ?? ""}</strong>`
                : ""
            } ${cancelScheduledButton(j.id, j.state === "failed" ? "Dismiss" : "Cancel")}</li>`,
        )}</ul>`
  }</section>`;

export function settingsPane(
  shell: Shell,
  opts: {
    sessions: SessionItem[];
    scheduled: ScheduledItem[];
    /** The cursor of the next page of sessions, when there is one. */
    moreSessions?: string | null;
    admin: {
      tokens: BotToken[];
      moreTokens: string | null;
      webhooks: WebhookItem[];
      commands: string;
      outgoing: string;
      invites: InviteItem[];
    } | null;
    /** The owner's view of the community's audit log, newest first. */
    audit?: AuditItem[];
    commandReply?: { ok: boolean; md: string };
    /** A link just made: shown this once, never again. */
    newInvite?: { url: string };
    /** What registering or deleting a custom command answered (a new one's signing secret, once). */
    slashReply?: { ok: boolean; md: string };
    avatarFailure?: { message: string };
  },
) {
  const slug = shell.community?.slug ?? "";
  const live = (i: InviteItem) =>
    !i.revoked_at &&
    (!i.expires_at || Date.parse(i.expires_at) > Date.now()) &&
    (i.max_uses === null || i.uses < i.max_uses);
  const me = shell.me;
  return html`<header class="pane-head"><h1>Settings</h1></header>
<section class="card"><h2>Profile</h2><form method="post" action="/settings/profile" class="stack">
<label for="display_name">Display name</label><input id="display_name" name="display_name" required maxlength="80" value="${me.display_name}">
<p class="muted">Username: @${me.username}</p><button type="submit">Save profile</button></form>
<form id="avatar-form" class="stack-row" method="post" action="/settings/avatar" enctype="multipart/form-data">${avatar(me.display_name, me.avatar_url)}<label for="avatar-file">Picture</label><input id="avatar-file" name="file" type="file" accept="image/png,image/jpeg,image/gif,image/webp" required><button type="submit">Upload</button>${
    me.avatar_url
      ? html`<button type="submit" formaction="/settings/avatar/remove" formnovalidate>Remove</button>`
      : ""
  }<span id="avatar-status" role="alert">${opts.avatarFailure?.message ?? ""}</span></form></section>
${notificationSettings(shell)}
${scheduledCard(opts.scheduled)}
<section class="card"><h2>Sessions</h2><ul class="sessions">${opts.sessions.map(
    (s) =>
      html`<li>${s.user_agent ?? "unknown client"} · ${s.ip ?? ""} · last used ${s.last_used_at ? timeTag(s.last_used_at) : "never"}${
        s.current
          ? html` <strong>(this browser)</strong> <form method="post" action="/auth/logout" class="inline"><button type="submit">Sign out</button></form>`
          : html` <form method="post" action="/settings/sessions/${s.id}/delete" class="inline"><button type="submit">Sign out</button></form>`
      }</li>`,
  )}</ul>${
    opts.moreSessions
      ? html`<p><a class="next-page" href="/settings?${new URLSearchParams({ ...(slug ? { community: slug } : {}), sessions_after: opts.moreSessions }).toString()}">More sessions →</a></p>`
      : ""
  }<form method="post" action="/settings/sessions/revoke-all"><button type="submit" class="danger">Sign out everywhere</button></form></section>
<section class="card" id="my-data"><h2>Your data</h2><p class="muted">Your profile, your direct messages, your messages in the channels you can read and your saved items, as a zip in Slack's export format.</p><p><a href="/api/me/export" download>Download my data</a></p></section>
${
  opts.admin
    ? html`<section class="card" id="invites"><h2>Invite people to ${shell.community?.name ?? ""}</h2>
${opts.newInvite ? html`<p role="status">Send this link to the people you invite. It is shown only now:</p><p><input class="invite-url" readonly autofocus value="${opts.newInvite.url}" aria-label="Invite link"></p>` : ""}
<form method="post" action="/settings/invites" class="stack-row"><input type="hidden" name="community" value="${slug}">
<label for="max_uses">Uses</label><input id="max_uses" name="max_uses" type="number" min="1" max="10000" placeholder="any">
<label for="expires_days">Days</label><input id="expires_days" name="expires_days" type="number" min="0" max="365" value="7">
<button type="submit">Make an invite link</button></form>
<ul class="sessions">${opts.admin.invites
        .filter(live)
        .map(
          (i) =>
            html`<li>made ${timeTag(i.created_at)} · used ${i.uses}${i.max_uses ? html` of ${i.max_uses}` : ""}${i.expires_at ? html` · expires <time datetime="${i.expires_at}">${i.expires_at.slice(0, 10)}</time>` : ""} <form method="post" action="/settings/invites/${i.id}/revoke" class="inline"><input type="hidden" name="community" value="${slug}"><button type="submit">Revoke</button></form></li>`,
        )}</ul></section>
<section class="card"><h2>Bots, API tokens and webhooks</h2><p class="muted">Managed with slash commands in ${shell.community?.name ?? ""}: <code>/token create &lt;name&gt; [scopes…] [expiry]</code>, <code>/token revoke &lt;id&gt;</code>, <code>/webhook create #channel &lt;name&gt; [--avatar &lt;url&gt;]</code>, <code>/webhook test &lt;name&gt;</code>, <code>/webhook revoke &lt;id&gt;</code>, <code>/outgoing create #channel… &lt;url&gt; [trigger words…]</code>, <code>/outgoing delete &lt;id&gt;</code>. Add <code>?dry_run=1</code> to a webhook's URL to see the message a payload would make, without posting it.</p>
${opts.commandReply ? html`<div class="ephemeral-reply${opts.commandReply.ok ? "" : " error"}" role="status"><div class="body" hx-ignore>${markdown(opts.commandReply.md)}</div></div>` : ""}
<form method="post" action="/settings/command" class="stack-row"><input type="hidden" name="community" value="${shell.community?.slug ?? ""}"><input name="text" required placeholder="/token list" aria-label="Admin command"><button type="submit">Run</button></form>
<h3>API tokens</h3>${tokensTable(opts.admin.tokens, opts.admin.moreTokens, slug)}<h3>Webhooks</h3>${webhookCards(slug, opts.admin.webhooks)}<h3>Outgoing webhooks</h3><div class="body" hx-ignore>${markdown(opts.admin.outgoing)}</div></section>
${slashCommandsCard(slug, opts.admin.commands, opts.slashReply)}`
    : ""
}${opts.audit ? auditSection(opts.audit) : ""}`;
}

/** The community's bot tokens, newest first, a page at a time; never their secrets. */
function tokensTable(tokens: BotToken[], next: string | null, slug: string) {
  if (tokens.length === 0)
    return html`<p class="muted">No bot tokens yet; <code>/token create &lt;name&gt;</code> makes one.</p>`;
  const state = (t: BotToken) =>
    t.revoked_at ? "revoked" : t.expires_at && Date.parse(t.expires_at) <= Date.now() ? "expired" : "live";
  return html`<table class="audit tokens"><thead><tr><th>Id</th><th>Bot</th><th>Scopes</th><th>State</th><th>Last used</th></tr></thead><tbody>${tokens.map(
    (t) =>
      html`<tr><td><code>${t.id}</code></td><td>@${t.bot.username}</td><td>${t.scopes.join(" ")}</td><td>${state(t)}</td><td>${t.last_used_at ? timeTag(t.last_used_at) : "never"}</td></tr>`,
  )}</tbody></table>${
    next
      ? html`<p><a class="next-page" href="/settings?${new URLSearchParams({ community: slug, tokens_after: next }).toString()}">Older tokens →</a></p>`
      : ""
  }`;
}
/**
 * The community's own slash commands (Slack-compatible): the list, a form to register one (its
 * signing secret shown once in the answer) and one to delete one. `/command log /name` in the box
 * above shows a command's last calls.
 */
const slashCommandsCard = (slug: string, list: string, reply?: { ok: boolean; md: string }) =>
  html`<section class="card" id="slash-commands"><h2>Slash commands</h2><p class="muted">Typing <code>/name text</code> calls the app at its URL with Slack's slash-command form, signed with Slack's scheme, so a Slack app works unchanged. <code>/command log /name</code> shows why one fails.</p>
${reply ? html`<div class="ephemeral-reply${reply.ok ? "" : " error"}" role="status"><div class="body" hx-ignore>${markdown(reply.md)}</div></div>` : ""}
<div class="body" hx-ignore>${markdown(list)}</div>
<form method="post" action="/settings/slash-commands" class="stack-row"><input type="hidden" name="community" value="${slug}">
<label for="slash-name">Name</label><input id="slash-name" name="name" required maxlength="33" placeholder="/deploy">
<label for="slash-url">URL</label><input id="slash-url" name="url" type="url" required placeholder="https://ci.example/slack/command">
<label for="slash-description">Description</label><input id="slash-description" name="description" maxlength="200">
<label for="slash-usage">Usage hint</label><input id="slash-usage" name="usage_hint" maxlength="100" placeholder="[env]">
<button type="submit">Add command</button></form>
<form method="post" action="/settings/slash-commands/delete" class="stack-row"><input type="hidden" name="community" value="${slug}"><label for="slash-delete">Delete</label><input id="slash-delete" name="name" required placeholder="/deploy"><button type="submit" class="danger">Delete command</button></form></section>`;

/** The audit log card: who did what, newest first; the full log is `ajet-chat audit`. */
const auditSection = (rows: AuditItem[]) =>
  html`<section class="card" id="audit"><h2>Audit log</h2>${
    rows.length === 0
      ? html`<p class="muted">Nothing recorded yet.</p>`
      : html`<table class="audit"><thead><tr><th>When</th><th>Who</th><th>What</th><th>About</th></tr></thead><tbody>${rows.map(
          (r) =>
            html`<tr><td>${timeTag(r.at)}</td><td>${r.actor || "—"}</td><td>${r.action}</td><td>${r.target_type ? `${r.target_type} ${r.target_id ?? ""}` : ""}</td></tr>`,
        )}</tbody></table>`
  }<p class="muted">The newest 50 entries; <code>ajet-chat audit --since 30d</code> reads further.</p></section>`;

/** The notifications panel; it redraws itself when counts move. */
export function notificationsPanel(
  items: Notification[],
  unread: number,
  link: (n: Notification) => string,
  names: Map<string, string>,
) {
  const what: Record<string, string> = {
    mention: "mentioned you",
    dm: "sent you a message",
    thread_reply: "replied in a thread",
    invite: "added you to a channel",
    message: "posted",
    system: "",
  };
  return html`<dialog open closedby="closerequest" class="panel notifications popup" id="notif-panel" aria-label="Notifications" hx-get="/web/notifications" hx-trigger="counts from:#live delay:150ms" hx-swap="outerHTML">
<header class="panel-head"><h2>Notifications</h2><button type="button" class="close-panel" commandfor="notif-panel" command="close" aria-label="Close notifications">✕</button></header>
${unread ? html`<button type="button" class="mark-all" hx-post="/web/notifications/read" hx-swap="none">Mark all read</button>` : html`<p class="muted">All caught up.</p>`}
<ul class="notif-list">${items.map(
    (n) =>
      html`<li class="notif${n.read ? "" : " unread"}"><a href="${link(n)}"><strong>${(n.actor_id && names.get(n.actor_id)) || "Someone"}</strong> ${what[n.type] ?? n.type}${
        n.data.channel_name ? html` in #${String(n.data.channel_name)}` : ""
      } · ${timeTag(n.created_at)}${n.preview ? html`<span class="preview">${n.preview.slice(0, 140)}</span>` : ""}<span class="why">Why: ${whyNotified(n.reason)}</span></a></li>`,
  )}</ul></dialog>`;
}

export const communityLinks = (communities: Community[]) =>
  html`<ul>${communities.map((c) => html`<li><a href="/c/${c.slug}">${c.name}</a></li>`)}</ul>`;
