import { html, SafeHtml } from "../../../lib/http/html.ts";
import { renderInlineMarkdownHtml, renderMarkdownHtml } from "../../../lib/markdown/html.ts";
import type { Attachment, EmbedAttachment, EmbedBlock, Message, Person, Reaction } from "../api-types.ts";

const raw = (s: string) => new SafeHtml(s);

/** Markdown → safe HTML, memoised: the same message is drawn for every open tab. */
const rendered = new Map<string, string>();
export function markdown(md: string): SafeHtml {
  let out = rendered.get(md);
  if (out === undefined) {
    out = renderMarkdownHtml(md);
    if (rendered.size > 5000) rendered.delete(rendered.keys().next().value as string);
    rendered.set(md, out);
  }
  return raw(out);
}
const inline = (md: string) => raw(renderInlineMarkdownHtml(md));

/** The time inside a UUIDv7: message ids sort as their creation times. */
export function idTime(id: string): number {
  return Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
}

export function timeTag(iso: string) {
  const d = new Date(iso);
  return html`<time datetime="${d.toISOString()}" title="${d.toISOString()}">${d.toISOString().slice(11, 16)}</time>`;
}

/**
 * A face: the picture when this server keeps it (uploaded avatars, cached webhook icons — never a
 * remote address, which would tell another site who reads what), else the name's initial.
 */
export function avatar(name: string, url?: string | null, emoji?: string | null) {
  if (url && /^\/api\/(avatars|images)\/[\w./-]+$/.test(url) && !url.includes("..")) {
    return html`<img class="avatar" src="${url}" alt="" width="34" height="34" loading="lazy">`;
  }
  if (emoji) return html`<span class="avatar emoji-face" aria-hidden="true">${emoji}</span>`;
  return html`<span class="avatar" aria-hidden="true">${(name.trim()[0] ?? "?").toUpperCase()}</span>`;
}

/** A person's profile, opened beside their name: names, status, do-not-disturb, a way to DM them. */
export function profilePopover(
  u: Pick<Person, "id" | "username" | "display_name" | "is_bot" | "deactivated" | "online" | "dnd_until">,
  meId: string,
) {
  return html`<dialog id="profile-pop" class="profile-pop popup" open closedby="any" aria-label="Profile of ${u.display_name}">${avatar(u.display_name)}
<p class="profile-name"><strong>${u.display_name}</strong> <span class="handle">@${u.username}</span>${u.is_bot ? html` <span class="badge bot">BOT</span>` : ""}</p>
<p class="profile-status">${u.deactivated ? "Deactivated" : u.online ? "● Online" : "○ Away"}${u.dnd_until ? html` · Do not disturb until ${timeTag(u.dnd_until)}` : ""}</p>${
    u.id === meId || u.is_bot || u.deactivated
      ? ""
      : html`<form method="post" action="/web/dm"><input type="hidden" name="user_id" value="${u.id}"><button type="submit">Message</button></form>`
  }</dialog>`;
}

/** One emoji's chip: clicking it turns the reader's own reaction on or off. */
function reactionChip(messageId: string, r: Pick<Reaction, "emoji" | "user_ids">) {
  return html`<button type="button" class="reaction" name="emoji" value="${r.emoji}" hx-post="/web/messages/${messageId}/react" hx-swap="none" data-emoji="${r.emoji}" data-by="${r.user_ids.join(" ")}" aria-label="${r.emoji} reaction, ${r.user_ids.length}">${r.emoji} <span class="count">${r.user_ids.length}</span></button>`;
}

/** A message's reactions and the button that opens the picker; the live stream redraws it whole. */
export function reactions(messageId: string, list: Pick<Reaction, "emoji" | "user_ids">[]) {
  return html`<div class="reactions" id="reactions-${messageId}">${list.map((r) => reactionChip(messageId, r))}<button type="button" class="react-open" hx-get="/web/messages/${messageId}/react" hx-swap="afterend" aria-label="Add a reaction" aria-haspopup="dialog">☺+</button></div>`;
}

/**
 * The reaction picker, opened beside a message's reactions; it goes away once a reaction is sent.
 * Popups are dialogs the browser closes (Esc, a click beside them); the page's script drops them then.
 */
export function reactionPicker(messageId: string) {
  return html`<dialog id="react-picker" class="react-pop popup" open closedby="any" aria-label="Pick a reaction"><form class="react-form" hx-post="/web/messages/${messageId}/react" hx-target="closest dialog" hx-swap="delete"><input type="hidden" name="mode" value="add"><input name="emoji" maxlength="60" placeholder=":tada: or 🎉" aria-label="Type an emoji or its :shortcode:"><button type="submit">Add</button>${[
    "👍",
    "❤️",
    "😂",
    "🎉",
    "👀",
    "🚀",
  ].map(
    (e, i) =>
      html`<button type="submit" class="pick" name="emoji" value="${e}" data-emoji="${e}"${i === 0 ? " autofocus" : ""}>${e}</button>`,
  )}</form></dialog>`;
}

const RASTER = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** A picture's box, scaled into 480×480 as its thumbnail is, so the pane keeps its place while it loads. */
function fitted(w: number, h: number) {
  const scale = Math.min(1, 480 / Math.max(w, h));
  return {
    width: String(Math.max(1, Math.round(w * scale))),
    height: String(Math.max(1, Math.round(h * scale))),
  };
}

const kindOf = (a: Attachment) =>
  a.filename.includes(".") ? (a.filename.split(".").pop() ?? "").toUpperCase().slice(0, 8) : a.content_type;

function sizeLabel(bytes: number) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A picture as a thumbnail that opens full size in its own dialog (Esc, a click on it or beside it
 * closes it); the full picture loads only once opened. `where` tells apart the copies of one message
 * on a page (the history, a thread, the pins).
 */
function pictureView(a: Attachment, where: string, thumb: SafeHtml, size = "") {
  const id = `lb-${where}-${a.id}`;
  return html`<button type="button" class="file image" commandfor="${id}" command="show-modal">${thumb}</button><dialog id="${id}" class="lightbox" closedby="any"><form method="dialog"><button><img src="${a.url}" alt="${a.filename}" loading="lazy"><p>${a.filename}${size ? ` · ${size}` : ""}</p></button></form></dialog>`;
}

/** A picture as a thumbnail that opens in a lightbox; any other file as a card. */
function attachmentView(a: Attachment, where: string) {
  if (a.thumbnail_url && a.width && a.height) {
    const box = fitted(a.width, a.height);
    const thumb = html`<img src="${a.thumbnail_url}" alt="${a.filename}" width="${box.width}" height="${box.height}" loading="lazy">`;
    return pictureView(a, where, thumb, `${a.width}×${a.height}`);
  }
  // A picture the server could not decode (browsers forgive more than libvips): the original itself.
  if (RASTER.has(a.content_type)) {
    return pictureView(a, where, html`<img src="${a.url}" alt="${a.filename}" loading="lazy">`);
  }
  return html`<a class="file card" href="${a.url}" download="${a.filename}"><span class="file-icon" aria-hidden="true">📄</span><span class="file-name">${a.filename}</span><small class="file-meta">${sizeLabel(a.size_bytes)} · ${kindOf(a)}</small></a>`;
}

/** A link's preview card; its picture is the server's own copy, never the remote site's. */
function previewCard(messageId: string, p: NonNullable<Message["preview"]>) {
  const w = p.image_width ?? 0;
  const h = p.image_height ?? 0;
  return html`<div class="preview-card" id="preview-${messageId}">${p.site_name ? html`<div class="site">${p.site_name}</div>` : ""}<a class="title" href="${safeUrl(p.url) ?? "#"}" rel="noopener noreferrer nofollow" target="_blank">${p.title}</a>${
    p.description ? html`<p class="desc">${p.description}</p>` : ""
  }${p.image_url?.startsWith("/api/images/") ? html`<img src="${p.image_url}" alt="" loading="lazy"${w && h ? html` width="${String(w)}" height="${String(h)}"` : ""}>` : ""}<button type="button" class="remove-preview" hx-post="/web/messages/${messageId}/preview/remove" hx-swap="none" aria-label="Remove preview">×</button></div>`;
}

const safeUrl = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined);
const link = (url: string | undefined, label: SafeHtml | string) => {
  const href = safeUrl(url);
  return href
    ? html`<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">${label}</a>`
    : label;
};

function block(b: EmbedBlock): SafeHtml {
  switch (b.type) {
    case "header":
      return html`<div class="eb-header">${b.text}</div>`;
    case "divider":
      return html`<hr>`;
    case "section":
      return html`<div class="eb-section">${b.text_md ? markdown(b.text_md) : ""}${
        b.fields_md?.length
          ? html`<div class="fields">${b.fields_md.map((f) => html`<div class="field short">${markdown(f)}</div>`)}</div>`
          : ""
      }${b.image_url ? html`<div>${link(b.image_url, `🖼 ${b.image_alt || "image"}`)}</div>` : ""}</div>`;
    case "context":
      return html`<div class="eb-context">${b.elements.map((e) => (e.type === "text" ? inline(e.text_md) : link(e.image_url, `🖼 ${e.alt_text}`)))}</div>`;
    case "image":
      return html`<div class="eb-image">${link(b.image_url, `🖼 ${b.title || b.alt_text || "image"}`)}</div>`;
  }
}

function embedAttachment(a: EmbedAttachment) {
  const color = a.color && /^#[0-9a-f]{6}$/i.test(a.color) ? a.color : "#8899aa";
  return html`<div class="embed" data-color="${color}">
<span class="bar" style="background:${color}"></span><div class="embed-body">
${a.pretext_md ? html`<div class="pretext">${inline(a.pretext_md)}</div>` : ""}
${a.author_name ? html`<div class="eb-author">${link(a.author_link, a.author_name)}</div>` : ""}
${a.title ? html`<div class="eb-title">${link(a.title_link, a.title)}</div>` : ""}
${a.text_md ? markdown(a.text_md) : ""}
${a.fields?.length ? html`<div class="fields">${a.fields.map((f) => html`<div class="field${f.short ? " short" : ""}"><div class="ft">${f.title}</div>${markdown(f.value_md)}</div>`)}</div>` : ""}
${a.image_url ? html`<div>${link(a.image_url, "🖼 image")}</div>` : ""}
${a.blocks?.length ? a.blocks.map(block) : ""}
${a.footer || a.ts ? html`<div class="eb-footer">${a.footer ?? ""}${a.ts ? html` · ${timeTag(new Date(a.ts * 1000).toISOString())}` : ""}</div>` : ""}
</div></div>`;
}

/**
 * One message, the same markup in a full page and in a live fragment. Nothing in it depends on who
 * looks (the page's own style marks the viewer's mentions, reactions and messages), so one
 * rendering serves every open tab.
 */
export function messageItem(m: Message, opts: ItemOptions = {}): SafeHtml {
  if (m.deleted) return tombstone(m.id, m.reply_count, opts);
  const id = `${opts.prefix ?? "msg"}-${m.id}`;
  const key = idTime(m.id);
  const a = m.author;
  const showBody = !(m.embeds?.body_is_fallback && (m.embeds.blocks?.length || m.embeds.attachments?.length));
  return html`<article id="${id}" class="msg" data-key="${key}" data-author="${a.id ?? ""}" tabindex="-1">
${avatar(a.display_name, a.avatar_url, a.avatar_emoji)}<div class="msg-main"><header class="msg-head">${
    a.id
      ? html`<button type="button" class="author-link" hx-get="/web/people/${a.id}" hx-swap="afterend" aria-haspopup="dialog"><strong class="author">${a.display_name}</strong></button>`
      : html`<strong class="author">${a.display_name}</strong>`
  }${
    a.is_bot ? html` <span class="badge bot">BOT</span>` : ""
  }${a.deactivated ? html` <span class="deactivated">(deactivated)</span>` : ""} ${a.username ? html`<span class="handle">@${a.username}</span> ` : ""}${timeTag(m.created_at)}${
    m.edited_at ? html` <span class="edited" title="${m.edited_at}">(edited)</span>` : ""
  }</header>
<div class="body" hx-ignore>${showBody ? markdown(m.body_md) : ""}${m.embeds?.blocks?.map(block) ?? ""}${
    m.embeds?.attachments?.map(embedAttachment) ?? ""
  }${m.attachments.length ? html`<div class="files">${m.attachments.map((a) => attachmentView(a, id))}</div>` : ""}</div>${
    m.preview ? previewCard(m.id, m.preview) : ""
  }<div class="edit-slot"></div>
${reactions(m.id, m.reactions)}${opts.thread ? "" : repliesLink(m.id, m.reply_count)}
<div class="msg-actions"><button type="button" class="pin" hx-post="/web/messages/${m.id}/pin" hx-swap="none" title="Pin to the channel, or unpin">📌</button><button type="button" class="save" hx-post="/web/messages/${m.id}/save" hx-swap="none" title="Save for later, or forget">🔖</button><a class="copy-link" href="/m/${m.id}" title="Copy link">🔗</a></div>
<div class="own-actions"><button type="button" class="edit" hx-get="/web/messages/${m.id}/edit" hx-target="#${id} .edit-slot" hx-swap="innerHTML">Edit</button><button type="button" class="delete" hx-post="/web/messages/${m.id}/delete" hx-confirm="Delete this message?" hx-swap="none">Delete</button></div>
</div></article>`;
}

interface ItemOptions {
  /** `tp` for a thread's first message in the side panel, whose id must differ from the pane's. */
  prefix?: string;
  /** Drawn inside a thread: no link to a thread of its own. */
  thread?: boolean;
}

/** What is left of a deleted message: a line saying so, and its thread while it has replies. */
export function tombstone(messageId: string, replyCount: number, opts: ItemOptions = {}) {
  return html`<article id="${opts.prefix ?? "msg"}-${messageId}" class="msg deleted" data-key="${idTime(messageId)}"><p class="tombstone">This message was deleted.</p>${
    !opts.thread && replyCount > 0 ? repliesLink(messageId, replyCount) : ""
  }</article>`;
}

/** The way into a message's thread, with how many replies it has. */
export function repliesLink(messageId: string, count: number) {
  return html`<a class="replies${count ? "" : " none"}" id="rc-${messageId}" href="?thread=${messageId}" hx-get="/web/thread/${messageId}" hx-target="#side" hx-swap="innerHTML">${
    count === 1 ? "1 reply" : count ? `${count} replies` : "Reply in thread"
  }</a>`;
}

/** Where an htmx form's refusal goes (the action mapper's 4xx answer): into its own `[role=alert]`. */
export const SHOW_ERRORS = raw(`hx-status:4xx='swap:innerHTML target:"find [role=alert]"'`);

export function editForm(m: Message) {
  // Its own id: the same message can be open for editing in the pane and in its thread at once.
  const id = `edit-${crypto.randomUUID()}`;
  return html`<dialog open class="edit popup" id="${id}"><form class="edit-form" hx-post="/web/messages/${m.id}/edit" hx-swap="none" ${SHOW_ERRORS}><textarea name="body" aria-label="Edit message" rows="3">${m.body_md}</textarea>
<button type="submit">Save</button> <button type="button" class="cancel-edit" commandfor="${id}" command="close">Cancel</button><p class="form-error" role="alert"></p></form></dialog>`;
}
