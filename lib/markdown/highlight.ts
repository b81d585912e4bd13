import { escapeHtml } from "./escape-html.ts";

const KEYWORDS = new Set(
  (
    "abstract as async await break case catch class const continue def default defer del delete do elif " +
    "else enum export extends false final finally fn for from func function go if impl import in " +
    "instanceof interface is lambda let loop match mod module mut new nil none not null or package pass " +
    "private protected pub public raise return select self static struct super switch this throw throws " +
    "trait true try type typeof undefined use var void where while with yield and begin end then fi done " +
    "local echo create table insert into values update set delete where join on group by order limit"
  ).split(" "),
);

// One pass over the code: comments, strings, numbers, words; everything else is copied escaped.
// Each failed match is a scan to the end that starts again one character on, so none may repeat: an
// unclosed `/*` comments out the rest, as in an editor, and a quote after a backslash opens no
// string (once one quote fails to close, every later quote on its line or in the code is escaped).
const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|#(?![!{[])[^\n]*|--[^\n]*)|((?<!\\)(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`))|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[\da-f]+\b)|([A-Za-z_$][\w$]*)/gi;

const HASH_COMMENTS = new Set([
  "py",
  "python",
  "sh",
  "bash",
  "shell",
  "zsh",
  "rb",
  "ruby",
  "yaml",
  "yml",
  "toml",
  "r",
  "perl",
  "conf",
  "ini",
  "dockerfile",
  "makefile",
]);
const DASH_COMMENTS = new Set(["sql", "lua", "haskell", "hs", "elm"]);

/** Code longer than this is shown uncoloured, here and in the terminal: colour is not worth the time. */
export const MAX_HIGHLIGHT_CHARS = 20_000;

/**
 * A small highlighter for code blocks: comments, strings, numbers and common keywords across the
 * usual languages, as `<span class="hl-…">`. The output is escaped HTML. Unknown text is left plain,
 * and so is code over MAX_HIGHLIGHT_CHARS.
 */
export function highlightCode(code: string, lang: string): string {
  if (code.length > MAX_HIGHLIGHT_CHARS) return escapeHtml(code);
  const hash = HASH_COMMENTS.has(lang);
  const dash = DASH_COMMENTS.has(lang);
  let out = "";
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    const [text, comment, str, num, word] = m;
    const at = m.index ?? 0;
    let cls: string | null = null;
    if (comment) {
      if (comment.startsWith("#") && !hash) continue;
      if (comment.startsWith("--") && !dash) continue;
      cls = "hl-c";
    } else if (str) cls = "hl-s";
    else if (num) cls = "hl-n";
    else if (word && KEYWORDS.has(word)) cls = "hl-k";
    if (!cls) continue;
    out += `${escapeHtml(code.slice(last, at))}<span class="${cls}">${escapeHtml(text)}</span>`;
    last = at + text.length;
  }
  return out + escapeHtml(code.slice(last));
}
