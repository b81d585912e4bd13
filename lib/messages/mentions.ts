import type { Token } from "marked";
import { lexMarkdown } from "../markdown/parse.ts";
import { USERNAME } from "../users/username.ts";

export interface ParsedMentions {
  /** Lower-cased usernames, each once, in order of first appearance. */
  usernames: string[];
  channel: boolean;
  here: boolean;
}

// `@name` not preceded by a word character (so e-mail addresses are not mentions).
const mention = /(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,31})/g;

/** Text of the markdown outside code spans and code blocks, where mentions count. */
function plainText(tokens: Token[], out: string[]) {
  for (const token of tokens) {
    if (token.type === "code" || token.type === "codespan" || token.type === "html") continue;
    const nested = (token as { tokens?: Token[] }).tokens;
    const items = (token as { items?: Token[] }).items;
    if (nested) plainText(nested, out);
    else if (items) plainText(items, out);
    else if ("text" in token && typeof token.text === "string") out.push(token.text);
    else if (token.type === "mention") out.push(token.raw);
    if (token.type === "table") {
      const table = token as unknown as { header: { tokens: Token[] }[]; rows: { tokens: Token[] }[][] };
      for (const cell of table.header) plainText(cell.tokens, out);
      for (const row of table.rows) for (const cell of row) plainText(cell.tokens, out);
    }
    out.push(" ");
  }
}

/** `@username`, `@channel` and `@here` in a message's markdown, ignoring code. */
export function parseMentions(markdown: string): ParsedMentions {
  // Most messages mention nobody; they need no markdown parse.
  if (!markdown.includes("@")) return { usernames: [], channel: false, here: false };
  const parts: string[] = [];
  plainText(lexMarkdown(markdown), parts);
  const text = parts.join("");
  const usernames = new Set<string>();
  let channel = false;
  let here = false;
  for (const m of text.matchAll(mention)) {
    // A sentence may end right after a mention: "thanks @alice."
    const name = (m[1] as string).replace(/[._-]+$/, "").toLowerCase();
    if (name === "channel" || name === "everyone") channel = true;
    else if (name === "here") here = true;
    else if (USERNAME.test(name)) usernames.add(name);
  }
  return { usernames: [...usernames], channel, here };
}
