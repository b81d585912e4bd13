import {
  Marked,
  type MarkedExtension,
  type Token,
  Tokenizer,
  type TokenizerAndRendererExtension,
  type Tokens,
} from "marked";
import { emojiByName } from "../emoji/shortcodes.ts";

/** A `@name` in a message: a person's username, or `@here` / `@channel`. */
export interface MentionToken extends Tokens.Generic {
  type: "mention";
  raw: string;
  name: string;
}

const MENTION = /^@([a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)/i;
const MENTION_START = /(^|[^\w@/.])@[a-z0-9]/i;
// How far ahead `start` looks. marked asks at every stop of its inline lexer (each punctuation mark)
// with all the text after it: searching all of that each time would cost the text's length squared.
const LOOKAHEAD = 256;

/**
 * `@name` as its own inline token, so every renderer (HTML, terminal) draws mentions its own way.
 * Only where a mention can start: after a non-word character, never inside an email address.
 */
export const mentionExtension: TokenizerAndRendererExtension = {
  name: "mention",
  level: "inline",
  start(src) {
    const m = MENTION_START.exec(src.slice(0, LOOKAHEAD));
    if (m) return m.index + (m[1] ?? "").length;
    if (src.length <= LOOKAHEAD) return undefined;
    // None near: the text stops before the end of the window, so the next look starts there, but
    // never just before an @, whose mention would then be judged without the character before it.
    let stop = LOOKAHEAD - 2;
    while (stop > 0 && src[stop + 1] === "@") stop--;
    return stop > 0 ? stop : undefined;
  },
  tokenizer(src): MentionToken | undefined {
    const m = MENTION.exec(src);
    if (!m) return undefined;
    return { type: "mention", raw: m[0], name: (m[1] as string).toLowerCase() };
  },
};

/** A `:shortcode:` of the shared emoji table in a message; renderers draw `emoji` or keep `raw`. */
export interface EmojiToken extends Tokens.Generic {
  type: "emoji";
  raw: string;
  name: string;
  emoji: string;
}

const SHORTCODE = /^:([a-z0-9_+-]+):/i;
const SHORTCODE_START = /(^|[^\w:]):[a-z0-9_+-]+:/i;

/**
 * `:tada:` as its own inline token (only names of the shared table; `:nope:` stays text), so every
 * renderer draws the emoji its own way. Not after a word character or a colon, so times (`10:30:00`)
 * and `a:b:c` stay as typed; code spans and blocks never reach inline extensions, so code keeps it.
 */
export const emojiExtension: TokenizerAndRendererExtension = {
  name: "emoji",
  level: "inline",
  start(src) {
    const m = SHORTCODE_START.exec(src.slice(0, LOOKAHEAD));
    if (m) return m.index + (m[1] ?? "").length;
    if (src.length <= LOOKAHEAD) return undefined;
    // As for mentions: the next look starts at the end of the window, never just before a colon.
    let stop = LOOKAHEAD - 2;
    while (stop > 0 && src[stop + 1] === ":") stop--;
    return stop > 0 ? stop : undefined;
  },
  tokenizer(src): EmojiToken | undefined {
    const m = SHORTCODE.exec(src);
    const emoji = m && emojiByName(m[1] as string);
    if (!m || !emoji) return undefined;
    return { type: "emoji", raw: m[0], name: (m[1] as string).toLowerCase(), emoji };
  },
};

/**
 * How deep quotes, lists, emphasis and links may nest; markers deeper than this are text. marked
 * lexes each level again from its start and recurses once per level, so without a bound a message
 * of `> > > …` costs depth × length and 20,000 levels overflow the stack.
 */
export const MAX_NESTING = 16;

/**
 * Work emphasis, strike-through and links may do, per character of the text. Each try of one scans
 * ahead for its closer and marked tries again at every delimiter, so some bodies (`**_* ` repeated,
 * the classic of markdown parsers) cost their length squared. A try is charged what it may have
 * scanned — what it matched, or all that was left when it failed — and once the text's allowance
 * is spent the rest of its delimiters are text.
 */
const WORK_PER_CHAR = 64;

/**
 * A heading underlined with `===` or `---` has its underline within this many characters. marked's
 * rule for it scans lazily to the underline one character at a time, which on this engine costs a
 * hundred times more per character past a couple of thousand: a body of one long line took seconds.
 */
const MAX_UNDERLINED_HEADING = 2000;
const UNDERLINE = /\n {0,3}(?:=+|-+)[ \t]*(?:\n|$)/;

// marked lexes synchronously and each nested level is a nested call, so one counter is the depth.
let depth = 0;
// The allowance of each lexing, by its lexer; the first text a tokenizer sees is all of it.
const allowances = new WeakMap<object, { left: number }>();
const allowanceOf = (lexer: object, text: string) => {
  let allowance = allowances.get(lexer);
  if (!allowance) {
    allowance = { left: WORK_PER_CHAR * (text.length + 64) };
    allowances.set(lexer, allowance);
  }
  return allowance;
};

type Tokenize = (this: Tokenizer, ...args: unknown[]) => Token | undefined;

/** marked's own tokenizer `name`, at most MAX_NESTING deep and, when it scans ahead, within the allowance. */
function bounded(name: "blockquote" | "list" | "emStrong" | "del" | "link" | "reflink", scansAhead: boolean) {
  const original = Tokenizer.prototype[name] as Tokenize;
  const tokenize: Tokenize = function (...args) {
    const src = args[0] as string;
    const allowance = allowanceOf(this.lexer, src);
    if (depth >= MAX_NESTING || (scansAhead && allowance.left <= 0)) return undefined;
    depth++;
    try {
      const token = original.apply(this, args);
      if (scansAhead) allowance.left -= token ? token.raw.length : src.length;
      return token;
    } finally {
      depth--;
    }
  };
  return tokenize;
}

const limits: MarkedExtension = {
  // marked types each tokenizer by the token it makes; these pass on whatever the original made.
  tokenizer: {
    lheading(src: string) {
      if (!UNDERLINE.test(src.slice(0, MAX_UNDERLINED_HEADING))) return undefined;
      return Tokenizer.prototype.lheading.call(this as Tokenizer, src);
    },
    blockquote: bounded("blockquote", false),
    list: bounded("list", false),
    emStrong: bounded("emStrong", true),
    del: bounded("del", true),
    link: bounded("link", true),
    reflink: bounded("reflink", true),
  } as MarkedExtension["tokenizer"],
};

/**
 * The one markdown dialect of ajet-chat: GitHub-flavoured, single newlines kept as line breaks
 * (chat is typed, not typeset), mentions and `:shortcode:` emoji — and bounded, so no body costs more than its length
 * times a constant: nesting at most MAX_NESTING deep, emphasis and links within an allowance of
 * work, underlined headings only with a short first line. Renderers add their own output on top.
 */
export function chatMarked(): Marked {
  return new Marked({ gfm: true, breaks: true, extensions: [mentionExtension, emojiExtension] }, limits);
}

const shared = chatMarked();

/** The token tree of a message body, for renderers other than HTML (the terminal) and mention parsing. */
export function lexMarkdown(md: string): Token[] {
  return shared.lexer(md);
}
