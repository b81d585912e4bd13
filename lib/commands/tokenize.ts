/** Opening quote → its closing quote. Phones type curly quotes, so those count too. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "‘": "’" };

export interface Token {
  value: string;
  /** Where the token starts and where the text after it starts. */
  start: number;
  end: number;
  /** True when any part of it was quoted (so `""` is an empty argument, not a missing one). */
  quoted: boolean;
}

export type TokenResult = { ok: true; token: Token | null } | { ok: false; message: string };

const isSpace = (c: string) => /\s/.test(c);

/**
 * Reads the next shell-like word from `pos`: unquoted runs and quoted runs ("…", '…', “…”) join
 * until whitespace, and `\` escapes the next character inside quotes. Null at the end of input;
 * an unclosed quote is an error naming where it opened.
 */
export function readToken(input: string, pos: number): TokenResult {
  let i = pos;
  while (i < input.length && isSpace(input[i] as string)) i++;
  if (i >= input.length) return { ok: true, token: null };
  const start = i;
  let value = "";
  let quoted = false;
  while (i < input.length && !isSpace(input[i] as string)) {
    const c = input[i] as string;
    const close = QUOTES[c];
    if (!close) {
      value += c;
      i++;
      continue;
    }
    quoted = true;
    const opened = i;
    i++;
    while (i < input.length && input[i] !== close) {
      if (input[i] === "\\" && i + 1 < input.length) i++;
      value += input[i];
      i++;
    }
    if (i >= input.length) {
      return { ok: false, message: `the quote ${c} opened at character ${opened + 1} is never closed` };
    }
    i++;
  }
  return { ok: true, token: { value, start, end: i, quoted } };
}

/** All the words of `input` (see readToken). */
export function tokenize(input: string): { ok: true; tokens: Token[] } | { ok: false; message: string } {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    const next = readToken(input, pos);
    if (!next.ok) return next;
    if (!next.token) return { ok: true, tokens };
    tokens.push(next.token);
    pos = next.token.end;
  }
}

/**
 * The free text from `pos` to the end, as typed (apostrophes and stray quotes are text, not syntax),
 * except that text wholly inside one pair of quotes is unquoted: `/ban @bob "spam, mostly"`.
 */
export function restOfLine(input: string, pos: number): string {
  const rest = input.slice(pos).trim();
  const close = QUOTES[rest[0] ?? ""];
  if (!close || !rest.endsWith(close) || rest.length < 2) return rest;
  const only = tokenize(rest);
  if (only.ok && only.tokens.length === 1 && only.tokens[0]?.end === rest.length) {
    return (only.tokens[0] as Token).value;
  }
  return rest;
}
