import type { Token, Tokens } from "marked";
import { decodeEntities } from "./entities.ts";
import { type EmojiToken, lexMarkdown, type MentionToken } from "./parse.ts";

/**
 * A message as plain text, the way a reader sees it rendered: no `**`, backticks, fences, `>` or
 * link syntax — a link shows its text, an image its alt text, code its content. Blocks are
 * separated by one space, so the text reads as one line (search snippets, notifications).
 */
export function markdownToPlain(md: string): string {
  return needsLexing(md) ? plainByLexing(md) : md.replace(/\s+/g, " ").trim();
}

/**
 * Whatever could make markdown of a text: an inline mark (emphasis, code, strike, link, HTML, escape,
 * table cell, entity, heading) or a shortcode anywhere; a list item, setext underline or a table's
 * delimiter row (`:--` needs no pipe) at a line's start. Text with none reads as itself, so most messages skip the lexer.
 */
const MARKS = /[\\`*_~[\]<>|&#]|:[\w+-]+:|^[ \t]*(?:[-+=:]|\d+[.)])/m;

/** Whether the text holds anything markdown could make something of (else it reads as itself). */
export const needsLexing = (md: string) => MARKS.test(md);

/** The plain text by lexing, whatever the text (needsLexing only decides when this can be skipped). */
export function plainByLexing(md: string): string {
  return blocks(lexMarkdown(md)).replace(/\s+/g, " ").trim();
}

function blocks(tokens: Token[]): string {
  return tokens.map(block).join(" ");
}

function block(t: Token): string {
  switch (t.type) {
    case "code":
      return (t as Tokens.Code).text;
    case "list":
      return (t as Tokens.List).items.map((item) => blocks(item.tokens)).join(" ");
    case "table": {
      const table = t as Tokens.Table;
      const cells = [table.header, ...table.rows].flat();
      return cells.map((c) => inline(c.tokens)).join(" ");
    }
    case "hr":
    case "space":
      return "";
    default:
      return "tokens" in t && Array.isArray(t.tokens) ? inline(t.tokens as Token[]) : inline([t]);
  }
}

function inline(tokens: Token[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case "text":
        case "escape":
          return "tokens" in t && t.tokens?.length
            ? inline(t.tokens)
            : decodeEntities((t as Tokens.Text).text);
        case "codespan":
          return decodeEntities((t as Tokens.Codespan).text);
        case "image":
          return (t as Tokens.Image).text;
        case "br":
          return " ";
        case "mention":
          return (t as MentionToken).raw;
        case "emoji":
          return (t as EmojiToken).emoji;
        case "html":
          return (t as Tokens.HTML).raw;
        default:
          return "tokens" in t && Array.isArray(t.tokens) ? inline(t.tokens as Token[]) : (t.raw ?? "");
      }
    })
    .join("");
}
