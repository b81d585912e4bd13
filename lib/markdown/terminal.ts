import type { Token, Tokens } from "marked";
import { showControls } from "../control-chars.ts";
import { decodeEntities } from "./entities.ts";
import { MAX_HIGHLIGHT_CHARS } from "./highlight.ts";
import { type EmojiToken, lexMarkdown } from "./parse.ts";

/**
 * Markdown for terminals: `marked`'s tokens become lines of styled spans, which the CLI writes as
 * ANSI (`toAnsi`) and the TUI turns into its own styled text. Styles are named by role (`tone`), so
 * each client picks its colours; code blocks are highlighted by `cli-highlight` once it is loaded.
 */

export type Tone =
  | "heading"
  | "code"
  | "link"
  | "mention"
  | "quote"
  | "muted"
  | "keyword"
  | "string"
  | "number"
  | "comment"
  | "title"
  | "type"
  | "literal"
  | "meta"
  | "attr"
  | "addition"
  | "deletion";

export interface Span {
  text: string;
  tone?: Tone;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  strike?: boolean;
}

export type StyledLine = Span[];

interface Highlighter {
  highlight(code: string, options: { language?: string; ignoreIllegals: boolean; theme: object }): string;
  supportsLanguage(name: string): boolean;
}
let highlighter: Highlighter | null = null;

// Guessing the language tries every grammar over the code: for small blocks only.
const MAX_GUESSED_CHARS = 2_000;

/**
 * Loads `cli-highlight` (highlight.js with every grammar: about 100 ms), so code blocks rendered
 * after this are coloured. Callers load it only when there is code to show, or after a first frame.
 */
export function loadHighlighter() {
  if (highlighter) return;
  highlighter = require("cli-highlight") as Highlighter;
}

export const hasCodeBlock = (md: string) => md.includes("```") || /^( {4}|\t)\S/m.test(md);

type Style = Omit<Span, "text">;

/** How a terminal shows text: `emoji` false keeps `:shortcode:` as typed (a console without emoji glyphs). */
export interface TerminalText {
  emoji: boolean;
}

// Rendering is synchronous, so the options of the one running render can sit here rather than
// travel through every recursive call.
let text: TerminalText = { emoji: true };

/**
 * Markdown as styled lines. Raw HTML is shown as text, never interpreted; control characters are
 * shown (`\x1b`), never passed on, so no span can carry one to the terminal and styling is ours alone.
 */
export function renderMarkdown(md: string, options: TerminalText = { emoji: true }): StyledLine[] {
  const lines: StyledLine[] = [];
  text = options;
  // Line ends first, as marked would: a \r\n is a newline, not a control character to show.
  blocks(lexMarkdown(showControls(md.replace(/\r\n?/g, "\n"))), lines, "");
  while (lines.length > 0 && isBlank(lines[lines.length - 1] as StyledLine)) lines.pop();
  return lines.length ? lines : [[]];
}

const isBlank = (line: StyledLine) => line.every((s) => s.text.trim() === "");

function blocks(tokens: Token[], out: StyledLine[], indent: string) {
  for (const token of tokens) {
    const prefix = indent ? [{ text: indent, tone: "quote" as const }] : [];
    switch (token.type) {
      case "space":
        break;
      case "heading": {
        const t = token as Tokens.Heading;
        for (const line of inline(t.tokens, { bold: true, tone: "heading" })) out.push([...prefix, ...line]);
        break;
      }
      case "paragraph":
      case "text": {
        const t = token as Tokens.Paragraph | Tokens.Text;
        const parts = "tokens" in t && t.tokens ? inline(t.tokens, {}) : textLines(t.text, {});
        for (const line of parts) out.push([...prefix, ...line]);
        break;
      }
      case "code": {
        const t = token as Tokens.Code;
        for (const line of codeLines(t.text, t.lang)) out.push([...prefix, { text: "  " }, ...line]);
        break;
      }
      case "blockquote": {
        blocks((token as Tokens.Blockquote).tokens, out, `${indent}│ `);
        break;
      }
      case "list": {
        const t = token as Tokens.List;
        t.items.forEach((item, i) => {
          const bullet = t.ordered ? `${Number(t.start || 1) + i}. ` : "• ";
          const mark = item.task ? (item.checked ? "[x] " : "[ ] ") : "";
          const inner: StyledLine[] = [];
          blocks(item.tokens, inner, "");
          while (inner.length > 1 && isBlank(inner[inner.length - 1] as StyledLine)) inner.pop();
          inner.forEach((line, j) => {
            const lead = j === 0 ? `${bullet}${mark}` : " ".repeat(bullet.length);
            out.push([...prefix, { text: lead, tone: "muted" }, ...line]);
          });
        });
        break;
      }
      case "hr":
        out.push([...prefix, { text: "────────", tone: "muted" }]);
        break;
      case "table": {
        const t = token as Tokens.Table;
        const row = (cells: Tokens.TableCell[], bold: boolean) => {
          const line: StyledLine = [...prefix];
          cells.forEach((cell, i) => {
            if (i > 0) line.push({ text: " │ ", tone: "muted" });
            line.push(...(inline(cell.tokens, { bold })[0] ?? []));
          });
          out.push(line);
        };
        row(t.header, true);
        for (const r of t.rows) row(r, false);
        break;
      }
      default: {
        const raw = (token as { raw?: string }).raw ?? "";
        for (const line of textLines(raw.replace(/\n+$/, ""), {})) out.push([...prefix, ...line]);
      }
    }
    if (token.type !== "space" && token.type !== "list") out.push([]);
    if (token.type === "list") out.push([]);
  }
  // A block ends with one blank line; drop doubles.
  for (let i = out.length - 1; i > 0; i--) {
    if (isBlank(out[i] as StyledLine) && isBlank(out[i - 1] as StyledLine)) out.splice(i, 1);
  }
}

/** Inline tokens as lines (a hard break or a newline in text starts a new one). */
function inline(tokens: Token[] | undefined, style: Style): StyledLine[] {
  const lines: StyledLine[] = [[]];
  const add = (parts: StyledLine[]) => {
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      (lines[lines.length - 1] as StyledLine).push(...part);
    });
  };
  for (const token of tokens ?? []) {
    switch (token.type) {
      case "strong":
        add(inline((token as Tokens.Strong).tokens, { ...style, bold: true }));
        break;
      case "em":
        add(inline((token as Tokens.Em).tokens, { ...style, italic: true }));
        break;
      case "del":
        add(inline((token as Tokens.Del).tokens, { ...style, strike: true }));
        break;
      case "codespan":
        // marked keeps HTML entities in code and text tokens; the terminal shows the characters.
        add([[{ ...style, text: decodeEntities((token as Tokens.Codespan).text), tone: "code" }]]);
        break;
      case "br":
        add([[], []]);
        break;
      case "link": {
        const t = token as Tokens.Link;
        const label = inline(t.tokens, { ...style, tone: "link", underline: true });
        add(label);
        const shown = label
          .flat()
          .map((s) => s.text)
          .join("");
        if (shown !== t.href && `mailto:${shown}` !== t.href)
          add([[{ text: ` (${t.href})`, tone: "muted" }]]);
        break;
      }
      case "image": {
        const t = token as Tokens.Image;
        add([[{ text: `[image: ${t.text || t.href}]`, tone: "link" }]]);
        break;
      }
      case "text": {
        const t = token as Tokens.Text;
        add(t.tokens ? inline(t.tokens, style) : textLines(decodeEntities(t.text), style));
        break;
      }
      case "escape":
        add([[{ ...style, text: (token as Tokens.Escape).text }]]);
        break;
      case "emoji": {
        const t = token as EmojiToken;
        add([[{ ...style, text: text.emoji ? t.emoji : t.raw }]]);
        break;
      }
      default:
        add(textLines((token as { raw?: string }).raw ?? "", style));
    }
  }
  return lines;
}

const MENTION = /(@[A-Za-z0-9][A-Za-z0-9._-]*|#[a-z0-9][a-z0-9_-]*)/;

/** Plain text split at newlines, with @mentions and #channels picked out. */
function textLines(text: string, style: Style): StyledLine[] {
  return text.split("\n").map((line) =>
    line
      .split(MENTION)
      .filter((part) => part !== "")
      .map((part) =>
        MENTION.test(part) && !style.tone
          ? { ...style, text: part, tone: "mention" }
          : { ...style, text: part },
      ),
  );
}

// cli-highlight calls a theme function per highlight.js class with the text inside, already themed;
// each wraps it in private markers naming the tone, parsed back into spans below.
const [OPEN, NAME_END, CLOSE] = ["\u0001", "\u0002", "\u0003"];
const THEME_TONES: Record<string, Tone> = {
  keyword: "keyword",
  built_in: "type",
  type: "type",
  literal: "literal",
  number: "number",
  regexp: "string",
  string: "string",
  symbol: "literal",
  title: "title",
  comment: "comment",
  doctag: "comment",
  quote: "comment",
  meta: "meta",
  tag: "keyword",
  name: "keyword",
  attr: "attr",
  attribute: "attr",
  variable: "attr",
  "selector-tag": "keyword",
  addition: "addition",
  deletion: "deletion",
};
const THEME = Object.fromEntries(
  Object.entries(THEME_TONES).map(([key, tone]) => [
    key,
    (s: string) => `${OPEN}${tone}${NAME_END}${s}${CLOSE}`,
  ]),
);

function codeLines(code: string, lang: string | undefined): StyledLine[] {
  const language = lang?.trim().split(/\s+/)[0] || undefined;
  let marked = code;
  let plain: Tone | undefined = "code";
  // A language it does not know is shown uncoloured (asking would print a warning over the screen).
  const known = language ? highlighter?.supportsLanguage(language) : code.length <= MAX_GUESSED_CHARS;
  if (highlighter && known && code.length <= MAX_HIGHLIGHT_CHARS) {
    marked = highlighter.highlight(code, { language, ignoreIllegals: true, theme: THEME });
    plain = undefined;
  }
  const lines: StyledLine[] = [];
  const stack: Tone[] = [];
  for (const raw of marked.split("\n")) {
    const line: StyledLine = [];
    let i = 0;
    let text = "";
    const flush = () => {
      if (text) line.push({ text, tone: stack[stack.length - 1] ?? plain });
      text = "";
    };
    while (i < raw.length) {
      const ch = raw[i] as string;
      if (ch === OPEN) {
        flush();
        const end = raw.indexOf(NAME_END, i);
        stack.push(raw.slice(i + 1, end) as Tone);
        i = end + 1;
      } else if (ch === CLOSE) {
        flush();
        stack.pop();
        i++;
      } else {
        text += ch;
        i++;
      }
    }
    flush();
    lines.push(line);
  }
  return lines;
}

const ANSI_TONES: Record<Tone, [number, number]> = {
  heading: [35, 39],
  code: [33, 39],
  link: [34, 39],
  mention: [36, 39],
  quote: [90, 39],
  muted: [90, 39],
  keyword: [35, 39],
  string: [32, 39],
  number: [33, 39],
  comment: [90, 39],
  title: [34, 39],
  type: [36, 39],
  literal: [33, 39],
  meta: [90, 39],
  attr: [36, 39],
  addition: [32, 39],
  deletion: [31, 39],
};

/** One span as ANSI SGR. */
export function spanToAnsi(span: Span): string {
  let s = span.text;
  if (span.tone) {
    const [open, close] = ANSI_TONES[span.tone];
    s = `\x1b[${open}m${s}\x1b[${close}m`;
  }
  if (span.bold) s = `\x1b[1m${s}\x1b[22m`;
  if (span.italic) s = `\x1b[3m${s}\x1b[23m`;
  if (span.underline) s = `\x1b[4m${s}\x1b[24m`;
  if (span.strike) s = `\x1b[9m${s}\x1b[29m`;
  return s;
}

/** Styled lines as ANSI text, one line each. */
export function toAnsi(lines: StyledLine[]): string[] {
  return lines.map((line) => line.map(spanToAnsi).join(""));
}

/** Markdown rendered for a colour terminal, as lines. */
export function markdownToAnsi(md: string, options: TerminalText = { emoji: true }): string[] {
  return toAnsi(renderMarkdown(md, options));
}
