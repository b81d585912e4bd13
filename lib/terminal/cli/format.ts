import type { MessageJson } from "../../client/views.ts";
import type { Style } from "../ansi.ts";
import { imageLabel, previewLines } from "../file-label.ts";
import type { Output } from "./output.ts";

/** Who wrote it, as shown: `@alice`, or a webhook's display name. */
export function authorLabel(m: MessageJson): string {
  return m.author.username ? `@${m.author.username}` : m.author.display_name;
}

/** `14:03` today, `2025-03-01 14:03` another day, in local time. */
export function shortTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

export const formatBytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KB`
      : `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Prints one message. Plain: `id, created_at, channel, author, body` tab-separated on one line.
 * JSON: the API's object. Terminal: a header, the markdown rendered, then attachments, webhook
 * embeds, reactions and the reply count.
 */
export function printMessage(out: Output, m: MessageJson, channelLabel: string) {
  if (out.mode !== "tty") {
    const body = m.deleted ? "(deleted)" : m.body_md;
    out.record(m, [m.id, m.created_at, channelLabel, authorLabel(m), body], () => "");
    return;
  }
  for (const line of messageLines(m, channelLabel, out.style, out.color, out.emoji)) out.line(line);
}

export function messageLines(
  m: MessageJson,
  channelLabel: string,
  s: Style,
  color: boolean,
  emoji = true,
): string[] {
  const marks = [
    m.author.is_bot ? s.magenta("[bot]") : "",
    m.author.deactivated ? s.dim("(deactivated)") : "",
    m.edited_at ? s.dim("(edited)") : "",
    m.parent_id ? s.dim(`↳ in thread ${m.parent_id}`) : "",
  ].filter(Boolean);
  const header = [
    s.bold(s.cyan(authorLabel(m))),
    s.dim(shortTime(m.created_at)),
    channelLabel ? s.dim(channelLabel) : "",
    ...marks,
    s.gray(m.id),
  ]
    .filter(Boolean)
    .join("  ");
  const lines = [header];
  if (m.deleted) return [...lines, `  ${s.dim(s.italic("this message was deleted"))}`];
  const showBody = !(m.embeds?.body_is_fallback && m.embeds.attachments?.length);
  if (showBody) for (const line of renderBody(m.body_md, color, emoji)) lines.push(`  ${line}`);
  for (const a of m.embeds?.attachments ?? []) {
    const gutter = a.color ? s.hex(a.color, "▌") : s.gray("▌");
    const parts = [
      a.pretext_md,
      a.author_name,
      a.title ? s.bold(a.title) + (a.title_link ? s.dim(` (${a.title_link})`) : "") : undefined,
      a.text_md,
      ...(a.fields ?? []).map((f) => `${s.bold(f.title)}: ${f.value_md}`),
      a.footer ? s.dim(a.footer) : undefined,
    ].filter((p): p is string => typeof p === "string" && p !== "");
    for (const part of parts) for (const line of part.split("\n")) lines.push(`  ${gutter} ${line}`);
  }
  for (const a of m.attachments) {
    const image = imageLabel(a);
    lines.push(
      image
        ? `  ${s.yellow(image)} ${s.dim(`(${formatBytes(a.size_bytes)}, ${a.id})`)}`
        : `  ${s.yellow("📎")} ${a.filename} ${s.dim(`(${formatBytes(a.size_bytes)}, ${a.id})`)}`,
    );
  }
  if (m.preview) for (const line of previewLines(m.preview)) lines.push(`  ${s.gray("▌")} ${line}`);
  const footer = [
    ...m.reactions.map((r) => (r.reacted_by_me ? s.bold(`${r.emoji} ${r.count}`) : `${r.emoji} ${r.count}`)),
    m.reply_count > 0 ? s.blue(`↳ ${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`) : "",
  ].filter(Boolean);
  if (footer.length) lines.push(`  ${footer.join("  ")}`);
  return lines;
}

/** Markdown as terminal lines; the renderer (and the highlighter, for code) load only when needed. */
function renderBody(md: string, color: boolean, emoji: boolean): string[] {
  if (!color) return md.split("\n");
  const { markdownToAnsi, hasCodeBlock, loadHighlighter } =
    require("../../markdown/terminal.ts") as typeof import("../../markdown/terminal.ts");
  if (hasCodeBlock(md)) loadHighlighter();
  return markdownToAnsi(md, { emoji });
}
