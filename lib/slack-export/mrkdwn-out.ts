import type { Token, Tokens } from "marked";
import { lexMarkdown, type MentionToken } from "../markdown/parse.ts";

/** Slack escapes these three in every text field, code included. */
const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Looks a mentioned username up: its Slack user id, or undefined for a name that is nobody here. */
export type MentionIds = (username: string) => string | undefined;

const plain = (tokens: Token[] | undefined): string =>
  (tokens ?? [])
    .map((t) => {
      const nested = (t as { tokens?: Token[] }).tokens;
      if (nested) return plain(nested);
      return "text" in t && typeof t.text === "string" ? t.text : t.raw;
    })
    .join("");

function inline(tokens: Token[] | undefined, ids: MentionIds): string {
  let out = "";
  for (const t of tokens ?? []) {
    switch (t.type) {
      case "text": {
        const nested = (t as Tokens.Text).tokens;
        out += nested ? inline(nested, ids) : escapeText(t.text);
        break;
      }
      case "escape":
        out += escapeText(t.text);
        break;
      case "strong":
        out += `*${inline(t.tokens, ids)}*`;
        break;
      case "em":
        out += `_${inline(t.tokens, ids)}_`;
        break;
      case "del":
        out += `~${inline(t.tokens, ids)}~`;
        break;
      case "codespan":
        out += `\`${escapeText(t.text)}\``;
        break;
      case "br":
        out += "\n";
        break;
      case "link":
      case "image": {
        // Slack's link labels are plain text; an autolink or a label that is the URL is just the URL.
        const label = t.type === "image" ? t.text : plain(t.tokens);
        out += label === "" || label === t.href ? `<${t.href}>` : `<${t.href}|${escapeText(label)}>`;
        break;
      }
      case "mention": {
        const name = (t as MentionToken).name;
        if (name === "here" || name === "channel" || name === "everyone") out += `<!${name}>`;
        else {
          const id = ids(name);
          out += id ? `<@${id}>` : escapeText(t.raw);
        }
        break;
      }
      default:
        out += escapeText(t.raw);
    }
  }
  return out;
}

const indent = (text: string, first: string, rest: string) =>
  text
    .split("\n")
    .map((line, i) => (i === 0 ? first : rest) + line)
    .join("\n");

function block(t: Token, ids: MentionIds): string {
  switch (t.type) {
    case "paragraph":
    case "text":
      return (t as Tokens.Text).tokens ? inline((t as Tokens.Text).tokens, ids) : escapeText(t.text);
    // Slack has no headings: bold is what people write there instead.
    case "heading":
      return `*${inline(t.tokens, ids)}*`;
    case "code":
      return `\`\`\`\n${escapeText(t.text)}\n\`\`\``;
    case "blockquote":
      return indent(blocks(t.tokens ?? [], ids), "> ", "> ");
    case "list": {
      const list = t as Tokens.List;
      const start = typeof list.start === "number" ? list.start : 1;
      return list.items
        .map((item, i) => {
          const bullet = list.ordered ? `${start + i}. ` : "• ";
          return indent(blocks(item.tokens, ids), bullet, " ".repeat(bullet.length));
        })
        .join("\n");
    }
    case "hr":
      return "---";
    case "space":
      return "";
    default:
      return escapeText(t.raw.replace(/\n+$/, ""));
  }
}

function blocks(tokens: Token[], ids: MentionIds): string {
  let out = "";
  for (const t of tokens) {
    // A blank line between blocks is a `space` token: it keeps its paragraph break.
    if (t.type === "space") {
      if (out !== "") out += t.raw.replace(/[^\n]/g, "");
      continue;
    }
    if (out !== "" && !out.endsWith("\n")) out += "\n";
    out += block(t, ids);
  }
  return out.replace(/\n+$/, "");
}

/**
 * Our markdown as Slack mrkdwn, the reverse of `mrkdwnToMarkdown`: `**bold**` → `*bold*`, `_italic_`
 * stays, `~~strike~~` → `~strike~`, `[label](url)` → `<url|label>`, autolinks → `<url>`, `@name` →
 * `<@U…>` for people `ids` knows, `@here`/`@channel` → `<!here>`/`<!channel>`, `&`, `<`, `>` escaped
 * as Slack escapes them. Headings become bold lines and lists Slack's bullets: mrkdwn has neither.
 */
export function markdownToMrkdwn(markdown: string, ids: MentionIds): string {
  return blocks(lexMarkdown(markdown), ids);
}
