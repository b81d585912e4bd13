import { Marked, type TokenizerAndRendererExtension, type Tokens } from "marked";

/** A `@name` in a message: a person's username, or `@here` / `@channel`. */
export interface MentionToken extends Tokens.Generic {
  type: "mention";
  raw: string;
  name: string;
}

const MENTION = /^@([a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)/i;

/**
 * `@name` as its own inline token, so every renderer (HTML, terminal) draws mentions its own way.
 * Only where a mention can start: after a non-word character, never inside an email address.
 */
export const mentionExtension: TokenizerAndRendererExtension = {
  name: "mention",
  level: "inline",
  start(src) {
    const m = /(^|[^\w@/.])@[a-z0-9]/i.exec(src);
    return m ? m.index + (m[1] ?? "").length : undefined;
  },
  tokenizer(src): MentionToken | undefined {
    const m = MENTION.exec(src);
    if (!m) return undefined;
    return { type: "mention", raw: m[0], name: (m[1] as string).toLowerCase() };
  },
};

/**
 * The one markdown dialect of ajet-chat: GitHub-flavoured, single newlines kept as line breaks
 * (chat is typed, not typeset), and mentions. Renderers add their own output on top of it.
 */
export function chatMarked(): Marked {
  return new Marked({ gfm: true, breaks: true, extensions: [mentionExtension] });
}

/** The token tree of a message body, for renderers other than HTML (the terminal). */
export function lexMarkdown(md: string) {
  return chatMarked().lexer(md);
}
