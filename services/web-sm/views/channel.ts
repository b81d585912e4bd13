import { COMMANDS, isAdminRole } from "../../../lib/commands/catalog.ts";
import { searchShortcodes } from "../../../lib/emoji/shortcodes.ts";
import { html, type SafeHtml } from "../../../lib/http/html.ts";
import type { Channel, CustomCommand, Member, Message } from "../api-types.ts";
import { avatar, messageItem, SHOW_ERRORS, timeTag } from "./message.ts";

/**
 * The "load older" marker at the top of a history: loads the page before it when scrolled into view.
 * Its key sorts before every message, so a live one is put after it, not above it (upsert by key).
 */
export function olderMarker(channelId: string, before: string | undefined) {
  if (!before) return html`<div class="history-start">This is the beginning of the conversation.</div>`;
  return html`<div class="older" id="older" data-key="0" hx-get="/web/older?channel=${channelId}&before=${before}" hx-trigger="intersect once" hx-swap="outerHTML"><button type="button" class="load-older" hx-get="/web/older?channel=${channelId}&before=${before}" hx-target="#older" hx-swap="outerHTML">Load older messages</button></div>`;
}

/** A page of history, oldest first, with the "new messages" line after the reader's last read one. */
export function messageList(
  items: Message[],
  opts: { lastRead?: string | null; channelId: string; hasMore: boolean },
) {
  const ordered = [...items].reverse();
  const lastRead = opts.lastRead;
  const firstUnread = lastRead ? ordered.findIndex((m) => m.id > lastRead) : -1;
  return html`${olderMarker(opts.channelId, opts.hasMore ? ordered[0]?.id : undefined)}${ordered.map(
    (m, i) =>
      html`${i === firstUnread && i > 0 ? html`<div class="new-divider" role="separator"><span>New messages</span></div>` : ""}${messageItem(m)}`,
  )}`;
}

export interface Completion {
  value: string;
  label: string;
  /** A face or an emoji drawn before the label. */
  face?: SafeHtml;
}

/** The commands a member with this role may run, the community's own after the built-ins, as completions of what they type. */
export function commandCompletions(role: string | null, custom: CustomCommand[] = []): Completion[] {
  return [
    ...COMMANDS.filter((c) => !c.admin || isAdminRole(role)).flatMap((c) =>
      c.usage.map((u) => ({ value: `${u.split(" ")[0]} `, label: `${u} — ${c.summary}` })),
    ),
    ...custom.map((c) => ({
      value: `/${c.name} `,
      label: `/${c.name}${c.usage_hint ? ` ${c.usage_hint}` : ""} — ${c.description || "this community's command"}`,
    })),
  ];
}

/** People as completions of an `@` word, each with their face. */
export const memberCompletions = (members: { user: Member["user"] }[]): Completion[] =>
  members.map(({ user: u }) => ({
    value: `@${u.username} `,
    label: `@${u.username} — ${u.display_name}`,
    face: u.avatar_url ? avatar(u.display_name, u.avatar_url) : undefined,
  }));

/** Emoji whose `:shortcode:` starts with what is typed after the colon (two letters at least, as Slack waits). */
export const emojiCompletions = (prefix: string): Completion[] =>
  prefix.length < 2
    ? []
    : searchShortcodes(prefix).map((e) => ({
        value: `${e.emoji} `,
        label: `:${e.name}:`,
        face: html`<span class="emoji" aria-hidden="true">${e.emoji} </span>`,
      }));

/** What the word being typed could become, the first offer selected. */
export function completionList(offers: Completion[]) {
  return html`${offers.map(
    (o, i) =>
      html`<li role="option" data-value="${o.value}" aria-selected="${i === 0}">${o.face ?? ""}${o.label}</li>`,
  )}`;
}

/**
 * The key that makes sending a message once, however often it is retried: a new one comes with the
 * answer to each message sent.
 */
export const clientMsgId = () =>
  html`<input type="hidden" name="client_msg_id" value="${crypto.randomUUID()}">`;

/**
 * The message box: Enter sends, Shift+Enter breaks the line, files by button or drop. The box posts
 * itself to say its writer is typing, at most every 3 s (the last change too). Emptied, it says stop at
 * once (the page's script fires `typing-stop`), which also drops a pending throttled post; a request
 * waiting behind one in flight is replaced by the newest, so a stop is never dropped for a start.
 */
export function composer(channel: Channel, opts: { label: string; parentId?: string }) {
  const thread = opts.parentId !== undefined;
  const inputId = thread ? "thread-input" : "composer-input";
  return html`<form class="composer${thread ? " thread-composer" : ""}" id="${thread ? "thread-composer" : "composer"}" hx-post="/web/channels/${channel.id}/messages" hx-swap="none" ${SHOW_ERRORS} data-channel="${channel.id}"${
    thread ? html` data-parent="${opts.parentId}"` : ""
  }>
${thread ? html`<input type="hidden" name="parent_id" value="${opts.parentId}">` : ""}${clientMsgId()}<input type="hidden" name="word" value="">
<div class="composer-row"><textarea id="${inputId}" name="body" rows="1"${thread ? html` autofocus` : ""} hx-post="/web/typing" hx-trigger="input throttle:3s, typing-stop" hx-sync="queue last" hx-vals='{"channel_id":"${channel.id}"}' hx-swap="none" placeholder="${opts.label}" aria-label="${opts.label}" autocomplete="off" required></textarea>
<label class="attach" title="Attach a file"><svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5 12.5 20a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8.5-8.5"/></svg><span class="sr">Attach a file</span><input type="file" name="file" class="file-input"></label>
<button type="submit" class="send">Send</button>${thread ? "" : sendLater()}</div>
<progress class="upload-progress" max="100" value="0" hidden></progress>
<div class="composer-error" role="alert"></div>
<ul class="autocomplete" role="listbox" hx-get="/web/complete" hx-trigger="complete" hx-sync="replace" hx-include="closest form, #community-slug"></ul>
</form>`;
}

/**
 * "Send later": a time picked here makes the box schedule its message instead of posting it. The
 * page's script names the browser's time zone, which the picked wall-clock time is read in.
 */
export const sendLater = () =>
  html`<details class="send-later" id="send-later"><summary title="Send later" aria-label="Send later">⏲</summary><div class="send-later-menu"><label>Send at <input type="datetime-local" name="send_at_local"></label><input type="hidden" name="tz" value=""><button type="submit" class="schedule">Schedule</button><p class="muted">Enter or Schedule sends it then; clear the time to send now.</p></div></details>`;

/** A scheduled message's (or reminder's) cancel; the button's place then says how it went. */
export const cancelScheduledButton = (id: string, label = "Cancel") =>
  html`<button type="button" class="cancel-scheduled" hx-post="/web/scheduled/${id}/cancel" hx-swap="outerHTML">${label}</button>`;

/** What the box says once its message is scheduled: when, and how to take it back. */
export const scheduledReply = (job: { id: string; send_at: string }) =>
  html`Scheduled for ${timeTag(job.send_at)}. ${cancelScheduledButton(job.id, "Cancel it")}`;

/** A channel's (or DM's) pane: header, history, typing line, the place for ephemeral replies, the composer. */
export function channelPane(
  channel: Channel,
  opts: { title: SafeHtml; messages: Message[]; hasMore: boolean; label: string },
) {
  return html`<header class="pane-head"><h1>${opts.title}</h1><p id="channel-topic" class="topic">${channel.topic}</p><button type="button" class="pins-open" hx-get="/web/channels/${channel.id}/pins" hx-target="#side" hx-swap="innerHTML">📌 Pins</button></header>
<input type="hidden" id="read-mark" name="message_id" value="${channel.last_read_message_id ?? ""}" hx-post="/web/channels/${channel.id}/read" hx-trigger="read delay:300ms" hx-swap="none">
<div id="scroller" class="scroller"><div class="history">
<div id="messages" class="messages" role="log" aria-live="polite" aria-label="Messages">${messageList(
    opts.messages,
    {
      lastRead: channel.last_read_message_id,
      channelId: channel.id,
      hasMore: opts.hasMore,
    },
  )}</div>
<div id="ephemeral" class="ephemeral" aria-live="polite"></div>
<button type="button" class="jump-latest">Jump to latest ↓</button></div></div>
<div id="typing" class="typing" aria-live="polite"></div>
${
  channel.archived_at
    ? html`<p class="archived-note" role="status">This channel is archived: its history stays, and nobody can post here. An owner or admin can bring it back with <code>/unarchive #${channel.name}</code>.</p>`
    : composer(channel, { label: opts.label })
}`;
}

/** A thread in the side panel: the parent, its replies oldest first, and a reply box. */
export function threadPanel(channel: Channel, parent: Message, replies: Message[]) {
  return html`<dialog open closedby="closerequest" class="panel thread popup" id="thread" data-parent="${parent.id}" aria-label="Thread">
<header class="panel-head"><h2>Thread</h2><button type="button" class="close-panel" commandfor="thread" command="close" aria-label="Close thread">✕</button></header>
${messageItem(parent, { prefix: "tp", thread: true })}
<div class="replies-list" id="replies-${parent.id}">${replies.map((r) => messageItem(r, { thread: true }))}</div>
${composer(channel, { label: "Reply in thread", parentId: parent.id })}
</dialog>`;
}

/**
 * A slash command's answer, shown only to the person who ran it. htmx leaves its body alone unless
 * it is `ours` (drawn here, not from markdown), as the scheduled message's cancel button is.
 */
export function ephemeralReply(html_: SafeHtml, ok: boolean, ours = false) {
  return html`<hx-partial hx-target="#ephemeral" hx-swap="beforeend"><dialog open class="ephemeral-reply popup${ok ? "" : " error"}"><span class="only-you">Only visible to you</span><div class="body"${ours ? "" : html` hx-ignore`}>${html_}</div><form method="dialog"><button class="dismiss" aria-label="Dismiss">✕</button></form></dialog></hx-partial>`;
}

/** A channel's pins in the side panel; it redraws itself when a pin comes or goes. */
export function pinsPanel(channel: Channel, items: { message: Message }[]) {
  return html`<dialog open closedby="closerequest" class="panel pins popup" id="pins-panel" aria-label="Pinned messages" hx-get="/web/channels/${channel.id}/pins" hx-trigger="pins from:#live" hx-swap="outerHTML">
<header class="panel-head"><h2>Pinned</h2><button type="button" class="close-panel" commandfor="pins-panel" command="close" aria-label="Close pins">✕</button></header>
${items.length ? "" : html`<p class="muted">Nothing pinned yet. Pin a message with 📌.</p>`}
<ol class="pin-list">${items.map((i) => html`<li>${messageItem(i.message, { prefix: "pin", thread: true })}<a class="jump" href="/m/${i.message.id}">Jump</a></li>`)}</ol></dialog>`;
}
