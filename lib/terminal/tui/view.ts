import { unreadLabel } from "../../channels/unread-cap.ts";
import { deactivatedMark, type MessageJson, whyNotified } from "../../client/views.ts";
import { renderMarkdown } from "../../markdown/terminal.ts";
import { formatBytes, shortTime } from "../cli/format.ts";
import { faceColour, initials } from "../face.ts";
import { imageLabel, previewLines } from "../file-label.ts";
import { fit, type Line, plain, wrap } from "./lines.ts";
import { current, sidebarItems, type TuiState, typingIn } from "./state.ts";

/** Where each pane goes for a terminal of `width` × `height` cells. */
export interface Layout {
  width: number;
  height: number;
  sidebar: number;
  messages: number;
  thread: number;
  /** Rows above the input line and the status bar. */
  body: number;
}

export function layout(s: TuiState, width: number, height: number): Layout {
  const sidebar = width >= 100 ? 24 : width >= 60 ? 20 : 0;
  const rest = width - sidebar - (sidebar ? 1 : 0);
  const thread = s.thread ? Math.max(28, Math.floor(rest * 0.42)) : 0;
  return {
    width,
    height,
    sidebar,
    thread: thread && rest - thread - 1 >= 30 ? thread : 0,
    messages: thread && rest - thread - 1 >= 30 ? rest - thread - 1 : rest,
    body: Math.max(1, height - 2),
  };
}

const C = {
  accent: "#61afef",
  author: "#56b6c2",
  bot: "#c678dd",
  dim: "#7f848e",
  unread: "#e5c07b",
  mention: "#e06c75",
  online: "#98c379",
  ok: "#98c379",
  error: "#e06c75",
  divider: "#e06c75",
};

export function sidebarLines(s: TuiState, l: Layout): Line[] {
  const w = l.sidebar;
  const lines: Line[] = [];
  const community = s.communities.find((c) => c.slug === s.community);
  const many =
    s.communities.length > 1
      ? ` (${s.communities.findIndex((c) => c.slug === s.community) + 1}/${s.communities.length})`
      : "";
  lines.push(
    fit(
      [
        { text: ` ${community?.name ?? "no community"}`, bold: true, color: C.accent },
        { text: many, color: C.dim },
      ],
      w,
    ),
  );
  lines.push(fit(plain(" CHANNELS", { color: C.dim }), w));
  const row = (i: ReturnType<typeof sidebarItems>[number]): Line => {
    const chosen = i.id === s.currentId;
    const online = i.people.some((p) => s.online.has(p));
    const mark: Line =
      i.kind === "dm"
        ? [{ text: online ? " ● " : " ○ ", color: online ? C.online : C.dim }]
        : [{ text: " # ", color: C.dim }];
    const counts: Line = [];
    if (i.mentions) counts.push({ text: ` @${i.mentions}`, color: C.mention, bold: true });
    if (i.unread) counts.push({ text: ` ${unreadLabel(i.unread)}`, color: C.unread, bold: true });
    const countWidth = counts.reduce((n, c) => n + c.text.length, 0);
    const name = fit(
      [{ text: i.label, bold: i.unread > 0, ...(i.muted ? { color: C.dim } : {}) }],
      Math.max(1, w - 3 - countWidth),
    );
    const line = [...mark, ...name, ...counts];
    return chosen ? line.map((span) => ({ ...span, inverse: true })) : line;
  };
  const items = sidebarItems(s);
  const channels = items.filter((i) => i.kind === "channel").map(row);
  const dms = items.filter((i) => i.kind === "dm").map(row);
  const all = [...channels, fit(plain(" DIRECT", { color: C.dim }), w), ...dms];
  // Keep the chosen row in view when the list is longer than the pane.
  const room = l.body - lines.length;
  const at = Math.max(
    0,
    items.findIndex((i) => i.id === s.currentId) +
      (items.find((i) => i.id === s.currentId)?.kind === "dm" ? 1 : 0),
  );
  const start = all.length <= room ? 0 : Math.min(Math.max(0, at - Math.floor(room / 2)), all.length - room);
  lines.push(...all.slice(start, start + room));
  return lines;
}

// A message's lines depend on the message, the width and whether it is picked; cached so a redraw
// (every keypress) does not render markdown again.
const cache = new Map<string, Line[]>();

/** Forget rendered messages (the highlighter just loaded: code blocks get their colours). */
export const clearMessageCache = () => cache.clear();

export function messageLines(m: MessageJson, width: number, picked: boolean, emoji = true): Line[] {
  const key = `${m.id}|${width}|${picked}|${emoji}|${m.edited_at}|${m.deleted}|${m.reply_count}|${m.body_md.length}|${m.author.deactivated}|${m.reactions.map((r) => `${r.emoji}${r.count}${r.reacted_by_me}`).join()}|${m.preview?.title ?? ""}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size > 5000) cache.clear();
  const name = m.author.username ?? m.author.display_name;
  const header: Line = [
    { text: picked ? "▶ " : "", color: C.accent, bold: true },
    {
      // A webhook's icon_emoji is its face; wide enough for the same two cells as initials.
      text: m.author.avatar_emoji ? ` ${m.author.avatar_emoji} ` : ` ${initials(m.author.display_name)} `,
      color: faceColour(m.author.id ?? m.author.webhook_id ?? m.author.display_name),
      inverse: true,
      bold: true,
    },
    { text: " " },
    { text: name, bold: true, color: m.author.is_bot ? C.bot : C.author, inverse: picked },
    { text: m.author.is_bot ? " [bot]" : "", color: C.bot },
    { text: deactivatedMark(m.author), color: C.dim },
    { text: `  ${shortTime(m.created_at)}`, color: C.dim },
    { text: m.edited_at && !m.deleted ? "  (edited)" : "", color: C.dim },
  ].filter((span) => span.text !== "");
  const lines: Line[] = [header];
  const body: Line[] = [];
  if (m.deleted) body.push(plain("this message was deleted", { italic: true, color: C.dim }));
  else {
    if (!(m.embeds?.body_is_fallback && m.embeds.attachments?.length))
      body.push(...renderMarkdown(m.body_md, { emoji }));
    for (const a of m.embeds?.attachments ?? []) {
      const gutter = { text: "▌ ", color: a.color ?? C.dim };
      const parts = [
        a.pretext_md,
        a.author_name,
        a.title,
        a.text_md,
        ...(a.fields ?? []).map((f) => `${f.title}: ${f.value_md}`),
        a.footer,
      ];
      for (const part of parts) {
        if (!part) continue;
        for (const text of part.split("\n")) body.push([gutter, { text, bold: part === a.title }]);
      }
    }
    for (const f of m.attachments) {
      const image = imageLabel(f);
      body.push(
        image
          ? [{ text: image, color: C.accent }]
          : [
              { text: "📎 " },
              { text: f.filename, underline: true },
              { text: ` (${formatBytes(f.size_bytes)})`, color: C.dim },
            ],
      );
    }
    if (m.preview) {
      const [title, ...rest] = previewLines(m.preview);
      body.push([
        { text: "▌ ", color: C.dim },
        { text: title ?? "", bold: true },
      ]);
      for (const text of rest)
        body.push([
          { text: "▌ ", color: C.dim },
          { text, color: C.dim },
        ]);
    }
    const footer: Line = [];
    for (const r of m.reactions)
      footer.push({
        text: `${r.emoji} ${r.count}  `,
        bold: r.reacted_by_me,
        color: r.reacted_by_me ? C.accent : undefined,
      });
    if (m.reply_count > 0)
      footer.push({
        text: `↳ ${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`,
        color: C.accent,
      });
    if (footer.length) body.push(footer);
  }
  for (const line of body) for (const part of wrap([{ text: "  " }, ...line], width, 2)) lines.push(part);
  cache.set(key, lines);
  return lines;
}

/** The message pane: a header with the channel and its topic, then the newest lines that fit. */
export function messagePaneLines(s: TuiState, l: Layout): Line[] {
  const w = l.messages;
  if (s.mode === "notifications") return notificationLines(s, l);
  if (s.mode === "list") return listLines(s, l);
  const item = current(s);
  const label = item ? (item.kind === "dm" ? `@${item.label}` : `#${item.label}`) : "";
  const header = fit(
    [
      { text: ` ${label}`, bold: true, color: C.accent },
      { text: item?.topic ? `  ${item.topic}` : "", color: C.dim },
    ],
    w,
  );
  const list = s.currentId ? (s.messages.get(s.currentId) ?? []) : [];
  const divider = s.currentId ? s.divider.get(s.currentId) : undefined;
  const picked = s.selected;
  const lines: Line[] = [];
  if (s.currentId && s.olderExists.get(s.currentId))
    lines.push(plain("  ↑ older messages: PgUp", { color: C.dim }));
  if (list.length === 0) lines.push(plain("  No messages yet. Say hello!", { color: C.dim }));
  list.forEach((m, i) => {
    lines.push(...messageLines(m, w, m.id === picked, s.emoji));
    if (divider && m.id === divider && i < list.length - 1) {
      const text = " new ";
      const side = Math.max(2, Math.floor((w - text.length) / 2));
      lines.push(
        plain(`${"─".repeat(side)}${text}${"─".repeat(Math.max(2, w - side - text.length))}`, {
          color: C.divider,
        }),
      );
    }
  });
  const room = l.body - 1;
  const end = Math.max(0, lines.length - s.scroll);
  const shown = lines.slice(Math.max(0, end - room), end);
  // Like any chat, the newest message sits just above the input.
  const gap: Line[] = Array.from({ length: Math.max(0, room - shown.length) }, () => []);
  return [header, ...gap, ...shown];
}

/** How far the message pane can scroll up (lines above the view). */
export function maxScroll(s: TuiState, l: Layout): number {
  if (!s.currentId) return 0;
  const list = s.messages.get(s.currentId) ?? [];
  const total =
    list.reduce((n, m) => n + messageLines(m, l.messages, m.id === s.selected, s.emoji).length, 0) + 1;
  return Math.max(0, total - (l.body - 1));
}

export function threadLines(s: TuiState, l: Layout): Line[] {
  if (!s.thread) return [];
  const w = l.thread;
  const lines: Line[] = [
    fit(
      [
        { text: " Thread", bold: true, color: C.accent },
        { text: "  Esc closes", color: C.dim },
      ],
      w,
    ),
  ];
  const content: Line[] = [...messageLines(s.thread.root, w, false, s.emoji)];
  const n = s.thread.replies.length;
  content.push(
    plain(`── ${n} ${n === 1 ? "reply" : "replies"} ${"─".repeat(Math.max(2, w - 14))}`.slice(0, w), {
      color: C.dim,
    }),
  );
  for (const r of s.thread.replies) content.push(...messageLines(r, w, false, s.emoji));
  const room = l.body - 1;
  return [...lines, ...content.slice(Math.max(0, content.length - room))];
}

/** Pins or saved messages: a title, then each message, newest first. */
function listLines(s: TuiState, l: Layout): Line[] {
  const w = l.messages;
  const list = s.list ?? { title: "", messages: [] };
  const lines: Line[] = [
    fit(
      [
        { text: ` ${list.title}`, bold: true, color: C.accent },
        { text: "  Esc returns", color: C.dim },
      ],
      w,
    ),
  ];
  if (list.messages.length === 0) lines.push(plain("  Nothing here yet.", { color: C.dim }));
  for (const m of list.messages) lines.push(...messageLines(m, w, false, s.emoji));
  return lines.slice(0, l.body);
}

function notificationLines(s: TuiState, l: Layout): Line[] {
  const w = l.messages;
  const lines: Line[] = [
    fit(
      [
        { text: " Notifications", bold: true, color: C.accent },
        { text: "  Esc returns", color: C.dim },
      ],
      w,
    ),
  ];
  if (s.notifications.length === 0) lines.push(plain("  Nothing yet.", { color: C.dim }));
  for (const n of s.notifications) {
    const who = s.members.find((m) => m.user.id === n.actor_id)?.user.username;
    const where = [...s.channels, ...s.dms].find((c) => c.id === n.channel_id);
    const line: Line = [
      { text: n.read ? "  ○ " : "  ● ", color: n.read ? C.dim : C.unread },
      { text: n.type, bold: true },
      { text: who ? ` @${who}` : "" },
      { text: where ? (where.kind === "dm" ? " in a DM" : ` in #${where.label}`) : "", color: C.dim },
      { text: `  ${shortTime(n.created_at)}`, color: C.dim },
      { text: n.preview ? `  ${n.preview.split("\n")[0]}` : "" },
      { text: `  (${whyNotified(n.reason)})`, color: C.dim },
    ];
    lines.push(...wrap(line, w, 4));
  }
  return lines.slice(0, l.body);
}

export function inputLine(s: TuiState, l: Layout): Line {
  const prompt = s.input.editing ? "edit> " : s.thread ? "thread> " : "> ";
  const { text, cursor } = s.input;
  const before = text.slice(0, cursor);
  const at = text.slice(cursor, cursor + 1) || " ";
  const after = text.slice(cursor + 1);
  const line: Line = [
    { text: prompt, color: s.input.editing ? C.unread : C.accent, bold: true },
    { text: before },
    { text: at, inverse: true },
    { text: after },
  ];
  // Keep the cursor on screen: show the end of a long line.
  const room = l.width - prompt.length - 1;
  if (Bun.stringWidth(text) < room) return line;
  const tail = before.slice(-Math.max(1, room - Bun.stringWidth(after.slice(0, 10))));
  return [
    line[0] as Line[number],
    { text: `…${tail.slice(1)}` },
    { text: at, inverse: true },
    { text: after },
  ];
}

export function statusLine(s: TuiState, l: Layout): Line {
  const item = current(s);
  const parts: Line = [
    { text: ` ${s.community ?? "-"}`, bold: true },
    { text: item ? ` · ${item.kind === "dm" ? "@" : "#"}${item.label}` : "" },
  ];
  if (s.completions.length) parts.push({ text: `  ${s.completions.join("  ")}`, color: C.accent });
  else if (s.flash) parts.push({ text: `  ${s.flash.text}`, color: s.flash.error ? C.error : C.ok });
  else {
    const typing = s.currentId ? typingIn(s, s.currentId) : [];
    if (typing.length)
      parts.push({
        text: `  ${typing.join(", ")} ${typing.length === 1 ? "is" : "are"} typing…`,
        color: C.dim,
        italic: true,
      });
  }
  const right: Line = [
    { text: s.unreadNotifications ? ` 🔔 ${s.unreadNotifications} ` : "", color: C.unread, bold: true },
    { text: s.connection === "live" ? "" : ` ${s.connection}… `, color: C.error },
    { text: " ? help ", color: C.dim },
  ].filter((p) => p.text !== "");
  const rightWidth = right.reduce((n, p) => n + Bun.stringWidth(p.text), 0);
  return [...fit(parts, Math.max(1, l.width - rightWidth)), ...right];
}

export const HELP: [string, string][] = [
  ["Enter", "send (in the thread when one is open)"],
  ["Ctrl-N / Ctrl-P", "next / previous channel or DM"],
  ["Ctrl-O", "next community"],
  ["Alt-↑ / Alt-↓", "pick an older / newer message"],
  ["Ctrl-T", "open the picked (or newest) message's thread"],
  ["+👍  or  +:tada:", "react to the picked (or newest) message"],
  ["↑ (empty input)", "edit your last message"],
  ["Alt-Enter", "a line break (shown as ⏎)"],
  ["Tab", "complete /commands, @people and #channels"],
  ["PgUp / PgDn", "scroll; older history loads at the top"],
  ["Ctrl-G", "notifications"],
  ["Alt-P", "pin / unpin the picked (or newest) message"],
  ["Alt-S", "save / unsave the picked (or newest) message"],
  ["Alt-I / Alt-V", "this channel's pins / your saved messages"],
  ["Alt-L", "the picked (or newest) message's link, to copy"],
  ["Ctrl-X", "mute / unmute this channel (/notify all|mentions|nothing, /dnd 1h)"],
  ["/help", "the server's slash commands"],
  ["Esc", "close the thread, the list or this help; cancel an edit"],
  ["Ctrl-C, /quit", "quit"],
];

export function helpLines(): Line[] {
  return [
    plain(" Keys", { bold: true, color: C.accent }),
    ...HELP.map(([key, what]): Line => [{ text: ` ${key.padEnd(18)}`, bold: true }, { text: what }]),
    plain(""),
    plain(" Any key closes this help.", { color: C.dim }),
  ];
}
