import { dropControls } from "../control-chars.ts";
import { decodeEntities } from "../markdown/entities.ts";

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** True for a URL we will link or load: http(s) only (mailto too for links). */
export const isSafeUrl = (url: string, mail = false) =>
  (mail ? SAFE_LINK : /^https?:\/\//i).test(url) && URL.canParse(url);

const escapeLabel = (label: string) => label.replace(/[\\[\]]/g, "\\$&");
const URL_ESCAPES: Record<string, string> = { " ": "%20", "(": "%28", ")": "%29" };
const encodeUrl = (url: string) => url.replace(/[ ()]/g, (c) => URL_ESCAPES[c] as string);

/** One `<…>` control sequence as our markdown. */
function controlSequence(inner: string): string {
  const bar = inner.indexOf("|");
  const target = decodeEntities(bar === -1 ? inner : inner.slice(0, bar));
  const label = bar === -1 ? null : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0] as string;
    if (word === "here" || word === "channel" || word === "everyone") return `@${word}`;
    // <!subteam^ID|@team>, <!date^…|fallback>: only the label means anything here.
    return label ?? "";
  }
  // Slack user ids mean nothing here: left as text. Channels show their name when one is given.
  if (target.startsWith("@")) return `<${inner}>`;
  if (target.startsWith("#")) return label ? `#${label}` : `<${inner}>`;
  if (!isSafeUrl(target, true)) return label ?? target;
  if (label === null || label === target) return `<${encodeUrl(target)}>`;
  return `[${escapeLabel(label)}](${encodeUrl(target)})`;
}

/** `*bold*` and `~strike~` where Slack sees them: opening after a boundary, closing before one. */
const emphasis = (text: string) =>
  text
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?[^\s*])\*(?![\w*])/g, "$1**$2**")
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?[^\s~])~(?![\w~])/g, "$1~~$2~~");

function formatted(text: string): string {
  const links: string[] = [];
  // Links first, behind placeholders, so emphasis never reaches into a URL.
  const held = text.replace(/<([^<>\n]*)>/g, (_, inner: string) => {
    links.push(controlSequence(inner));
    return `\u0001${links.length - 1}\u0002`;
  });
  return decodeEntities(emphasis(held)).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the placeholders, safe because input has none
    /\u0001(\d+)\u0002/g,
    (_, i: string) => links[Number(i)] as string,
  );
}

/**
 * Slack mrkdwn as our markdown: `*bold*` → `**bold**`, `~strike~` → `~~strike~~`, `_italic_` as is,
 * `<url|label>` → `[label](url)`, `<url>` → autolink, `<!here>`/`<!channel>`/`<!everyone>` →
 * mentions, `<@U123>` left as text, entities unescaped; code spans and blocks keep their text.
 * Markdown Slack lacks (`**bold**`, `~~strike~~`, `[label](url)`) passes through unchanged, so text
 * written for us survives too. Links to anything but http(s) and mailto become their label.
 */
export function mrkdwnToMarkdown(input: string): string {
  // Tabs and newlines are text; other control characters are dropped (they also mark placeholders below).
  const text = dropControls(input);
  const out: string[] = [];
  // Whether the output so far ends a line, kept as it grows: looking back at it per block would make
  // a body of many blocks cost its length squared.
  let lineStart = true;
  const push = (piece: string) => {
    out.push(piece);
    if (piece !== "") lineStart = piece.endsWith("\n");
  };
  let last = 0;
  for (const m of text.matchAll(/```([\s\S]*?)```|`([^`\n]+)`/g)) {
    push(formatted(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const code = decodeEntities(m[1]).replace(/^\n/, "").replace(/\n$/, "");
      // Slack lets a block sit inside a line; fenced code needs lines of its own.
      push(`${lineStart ? "" : "\n"}\`\`\`\n${code}\n\`\`\``);
      if (last < text.length && text[last] !== "\n") push("\n");
    } else {
      push(`\`${decodeEntities(m[2] as string)}\``);
    }
  }
  push(formatted(text.slice(last)));
  return out.join("");
}

/** Plain text (Slack `plain_text`, or `mrkdwn: false`) as markdown that shows it literally. */
export function plainToMarkdown(input: string): string {
  return decodeEntities(dropControls(input))
    .replace(/[\\`*_~[\]<>]/g, "\\$&")
    .replace(/^(\s*)([#+-])/gm, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/gm, "$1\\$2");
}

/** Plain text for fields drawn as text (titles, names, footers): entities unescaped, control characters dropped. */
export const plainText = (input: string) => decodeEntities(dropControls(input));
