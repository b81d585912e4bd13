import { unreadLabel } from "../../../lib/channels/unread-cap.ts";
import { html, SafeHtml } from "../../../lib/http/html.ts";
import type { Channel } from "../api-types.ts";
import { channelPath, dmName, type Shell } from "../shell.ts";

const BELL = new SafeHtml(
  '<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>',
);

/** The per-viewer rules: one stylesheet line marks this person's messages, mentions and reactions. */
function viewerStyle(shell: Shell) {
  const id = shell.me.id.replace(/[^0-9a-f-]/g, "");
  const name = shell.me.username.replace(/[^a-z0-9._-]/g, "");
  return `.msg[data-author="${id}"] .own-actions{display:flex}
.msg[data-author="${id}"] .remove-preview{display:inline-block}
.mention[data-u="${name}"],.mention-all{background:var(--mention-bg);color:var(--mention-fg);font-weight:600}
.msg:has(.mention[data-u="${name}"]),.msg:has(.mention-all){box-shadow:inset 3px 0 var(--mention-fg)}
.reaction[data-by~="${id}"]{border-color:var(--accent);background:var(--accent-soft)}`;
}

/**
 * The document around every page of the web client. htmx and its extensions load before the body
 * (not deferred): htmx starts on DOMContentLoaded only when it loaded while the page was still
 * parsing; loaded later it starts at once, possibly before its SSE extension is there.
 */
export function document(
  title: string,
  body: SafeHtml,
  /** `style` is put in as is (a style element does not decode entities): build it from checked values only. */
  opts: { style?: string; unread?: TabUnread } = {},
) {
  const marks = tabMarks(title, opts.unread ?? { notes: 0, channels: false });
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="htmx-config" content='{"includeIndicatorCSS":false,"defaultSettleDelay":0}'>
${marks.title}${marks.icon}
<link rel="stylesheet" href="/static/app.css">
${opts.style ? html`<style>${new SafeHtml(opts.style)}</style>` : ""}
<script src="/static/htmx.js"></script>
<script src="/static/hx-sse.js"></script>
<script src="/static/hx-upsert.js"></script>
<script src="/static/app.js" defer></script>
</head>
<body>${body}</body></html>`;
}

/** What the tab's title and icon count: unread notifications, and whether channels have unread messages. */
export interface TabUnread {
  notes: number;
  channels: boolean;
}

/**
 * The tab's title and icon carry the count: "(3)" for unread notifications (mentions, DMs), "•"
 * when only channels have unread messages. Redrawn with the bell (`bellFragment`), asked for by a
 * hidden element that is never swapped (a newer request replaces one in flight: the last count wins).
 */
export function tabMarks(title: string, { notes, channels }: TabUnread) {
  const label = notes > 99 ? "99+" : notes ? String(notes) : channels ? "•" : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#e01e5a"/><text x="16" y="21" font-size="${label.length > 2 ? 11 : 15}" font-family="sans-serif" font-weight="bold" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  return {
    title: html`<title id="tab-title">${notes ? `(${notes}) ` : label ? "• " : ""}${title} · ajet-chat</title>`,
    icon: html`<link id="tab-icon" rel="icon" href="${label ? `data:image/svg+xml,${encodeURIComponent(svg)}` : "data:,"}">`,
  };
}

/** Whether a channel or DM other than the one shown has unread messages (a muted one counts none). */
export const unreadElsewhere = (list: Channel[], shownId: string | null) =>
  list.some((c) => c.id !== shownId && c.is_member && !c.archived_at && (c.unread_count ?? 0) > 0);

/** A sidebar entry's counts; the live stream redraws them when they change. */
export function badges(channelId: string, counts: { unread: number; mentions: number }) {
  return html`<span class="badges" id="badges-${channelId}">${
    counts.mentions ? html`<span class="badge mention" title="mentions">@${counts.mentions}</span>` : ""
  }${counts.unread ? html`<span class="badge unread" title="unread">${unreadLabel(counts.unread)}</span>` : ""}</span>`;
}

export function presenceDot(userId: string, online: boolean | undefined) {
  return html`<span class="dot p-${userId}${online ? " on" : ""}" title="${online ? "online" : "away"}"></span>`;
}

/**
 * The sidebar: communities, this community's channels, and every DM; refetched when channels come
 * and go. The channel being looked at is drawn read: the page reads what arrives in it. The entries
 * before and after it (round the ends) are `rel="prev"` and `rel="next"`, where Alt+↑/↓ go.
 */
export function sidebar(shell: Shell, currentId: string | null) {
  const slug = shell.community?.slug ?? "";
  const query = new URLSearchParams({ community: slug, channel: currentId ?? "" }).toString();
  const joined = shell.channels.filter((c) => c.is_member && !c.archived_at);
  const listed = [...(shell.community ? joined : []), ...shell.dms];
  const at = listed.findIndex((c) => c.id === currentId);
  const prev = listed.at(Math.max(at, 0) - 1)?.id;
  const next = listed.at((at + 1) % listed.length)?.id;
  const item = (c: Channel, href: string, label: SafeHtml | string) => {
    const current = c.id === currentId;
    const counts = current
      ? { unread: 0, mentions: 0 }
      : { unread: c.unread_count ?? 0, mentions: c.mention_count ?? 0 };
    const rel = [c.id === prev && "prev", c.id === next && "next"].filter(Boolean).join(" ");
    return html`<li><a class="chan${current ? " current" : ""}${c.muted ? " muted" : ""}" id="chan-${c.id}" href="${href}"${
      current ? html` aria-current="page"` : ""
    }${rel ? html` rel="${rel}"` : ""}>${label}${badges(c.id, counts)}</a></li>`;
  };
  return html`<nav id="sidebar" class="sidebar" aria-label="Channels and conversations" hx-get="/web/sidebar?${query}" hx-trigger="sidebar from:#live delay:200ms, resync from:#live" hx-swap="outerHTML">
${
  shell.communities.length > 1 || !shell.community
    ? html`<label class="switcher">Community <select class="community-switch" name="community" aria-label="Community" hx-get="/web/community" hx-swap="none">${shell.communities.map(
        (c) => html`<option value="${c.slug}"${c.slug === slug ? " selected" : ""}>${c.name}</option>`,
      )}${shell.community ? "" : html`<option value="" selected>—</option>`}</select></label>`
    : html`<h2 class="community-name">${shell.community.name}</h2>`
}
${
  shell.community
    ? html`<h3>Channels</h3><ul class="chan-list">${joined.map((c) =>
        item(
          c,
          channelPath(slug, c.name),
          html`<span class="sigil">${c.visibility === "private" ? "🔒" : "#"}</span>${c.name}`,
        ),
      )}</ul>
<p class="side-links"><a href="/c/${slug}/browse">Browse channels</a> · <a href="/c/${slug}/members">Members</a>${
        shell.community.role === "owner" || shell.community.role === "admin"
          ? html` · <a href="/settings?community=${slug}#invites">Invite people</a>`
          : ""
      }</p>`
    : ""
}
<h3>Direct messages${shell.community ? html` <a class="new-message" href="/c/${slug}/new-message" aria-label="New message">＋</a>` : ""}</h3><ul class="chan-list dms">${shell.dms.map(
    (d) => {
      const other = (d.members ?? []).find((m) => m.id !== shell.me.id);
      return item(
        d,
        `/dm/${d.id}`,
        html`${other ? presenceDot(other.id, other.online) : ""}${dmName(d, shell.me.id)}`,
      );
    },
  )}</ul>${shell.moreDms ? html`<p class="more-dms"><a href="/dms">All direct messages…</a></p>` : ""}
</nav>`;
}

export function bellCount(unread: number) {
  return html`<span id="bell-count" class="bell-count${unread ? "" : " zero"}" aria-label="${unread} unread notifications">${unread}</span>`;
}

/** An app page: top bar, sidebar, the pane, and the side panel (threads, notifications). */
export function appPage(
  shell: Shell,
  opts: { title: string; url: string; channel?: Channel | null; pane: SafeHtml; side?: SafeHtml | null },
) {
  const slug = shell.community?.slug ?? "";
  const channel = opts.channel ?? null;
  const live = new URLSearchParams({ community: slug, channel: channel?.id ?? "", since: String(shell.seq) });
  const bell = new URLSearchParams({ community: slug, channel: channel?.id ?? "", title: opts.title });
  const unread = {
    notes: shell.notificationsUnread,
    channels: unreadElsewhere([...shell.channels, ...shell.dms], channel?.id ?? null),
  };
  return document(
    opts.title,
    html`<a class="skip" href="#composer-input">Skip to the message box</a>
<div id="live" hx-sse:connect="/events?${live.toString()}" hx-swap="none" hx-config='{"sse":{"pauseOnBackground":false,"reconnectMaxDelay":4000}}'></div>
<header class="topbar">
<label class="nav-toggle"><input type="checkbox" id="nav-open" aria-label="Show channels" aria-controls="sidebar">☰</label>
<a class="brand" href="/">ajet-chat</a>
<form class="search-form" action="/search" method="get" role="search"><input type="search" name="q" placeholder="Search messages" aria-label="Search messages">${
      slug ? html`<input type="hidden" name="community" value="${slug}">` : ""
    }</form>
<a id="bell" class="bell" href="/notifications" hx-get="/web/notifications" hx-target="#side" hx-swap="innerHTML" aria-label="Notifications">${BELL} ${bellCount(shell.notificationsUnread)}</a>
<i hidden hx-get="/web/bell?${bell.toString()}" hx-trigger="counts from:#live delay:100ms, sidebar from:#live delay:200ms, resync from:#live" hx-target="#bell-count" hx-swap="outerHTML" hx-sync="this:replace"></i>
<a class="saved-link" href="/saved">Saved</a>
<a class="settings-link" href="/settings">Settings</a>
<span class="conn" id="conn-state" aria-live="polite"></span>
<i hidden hx-post="/api/heartbeat" hx-trigger="load, every 60s" hx-swap="none"></i>
<input type="hidden" id="community-slug" name="community" value="${slug}">
</header>
<div class="layout">${sidebar(shell, channel?.id ?? null)}
<main id="pane" class="pane" tabindex="-1" hx-get="${opts.url}" hx-select="#pane" hx-swap="outerHTML" hx-trigger="resync from:#live">${opts.pane}</main>
<aside id="side" class="side" aria-label="Side panel">${opts.side ?? ""}</aside></div>`,
    { style: viewerStyle(shell), unread },
  );
}
