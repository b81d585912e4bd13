/**
 * Message bodies built to be slow or dangerous to render: long runs of markdown's punctuation,
 * unclosed comments and strings in code, deep nesting, the inputs that made other markdown parsers
 * quadratic, and terminal escape sequences. Each entry fills exactly `n` characters, so the same
 * corpus serves at the body limit (the render benchmark) and small (the fuzzers' seeds).
 */

/** `unit` repeated and cut to exactly `n` characters. */
export const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** `head`, then `unit` repeated, then `tail`, `n` characters in all. */
const framed = (head: string, unit: string, tail: string, n: number) =>
  head + fill(unit, Math.max(0, n - head.length - tail.length)) + tail;

/** Half openers, a word, half closers: nesting as deep as the length allows. */
const nested = (open: string, close: string, n: number) => {
  const half = Math.floor((n - 1) / 2);
  return fill(open, half) + "a" + fill(close, n - half - 1);
};

const ORDINARY =
  "Morning @alice! The deploy of **v1.4.2** finished at 09:12; see [the log](https://ci.example.com/42) " +
  "and the _release notes_ in #releases.\n" +
  "> Rollback stays possible until noon.\n\n" +
  "- [x] migrate the `orders` table\n- [ ] warm the caches\n\n" +
  "```ts\nconst ok = await deploy({ region: 'eu', retries: 3 }); // second try\n```\n\n";

/** An ordinary chat message of `n` characters: the baseline every hostile entry is compared with. */
export const ordinaryText = (n: number) => fill(ORDINARY, n);

export const HOSTILE_TEXT: Record<string, (n: number) => string> = {
  "unclosed /* in code": (n) => framed("```js\n", "/* ", "\n```", n),
  "unclosed /* in code, no fence close": (n) => framed("```c\n", "/*a", "", n),
  'unclosed " behind backslashes': (n) => framed('```js\n"', '\\"', "\n```", n),
  "unclosed ' behind backslashes": (n) => framed("```py\n'", "\\'", "\n```", n),
  "unclosed ` behind backslashes": (n) => framed("```js\n`", "\\`", "\n```", n),
  "code without a language": (n) => framed("```\n", "if (a) { b(); } // c\n", "```", n),
  "code in a language nobody knows": (n) => framed("```a~~~\n", "x y z\n", "```", n),
  "digits then a letter in code": (n) => framed("```js\n", "1", "a\n```", n),
  "run of *": (n) => fill("*", n),
  "run of _": (n) => fill("_", n),
  "run of `": (n) => fill("`", n),
  "run of [": (n) => fill("[", n),
  "run of <": (n) => fill("<", n),
  "run of :": (n) => fill(":", n),
  "run of @": (n) => fill("@", n),
  "run of #": (n) => fill("#", n),
  "run of ~": (n) => fill("~", n),
  "run of >": (n) => fill(">", n),
  "run of &#": (n) => fill("&#", n),
  "run of ![": (n) => fill("![", n),
  "run of (": (n) => fill("(", n),
  "run of backslashes": (n) => fill("\\", n),
  "*a repeated": (n) => fill("*a", n),
  "_a repeated": (n) => fill("_a ", n),
  "`a repeated": (n) => fill("`a", n),
  "``a repeated": (n) => fill("``a", n),
  "[a]( repeated": (n) => fill("[a](", n),
  "[a][ repeated": (n) => fill("[a][", n),
  "<a repeated": (n) => fill("<a ", n),
  "<http://a repeated": (n) => fill("<http://a ", n),
  "<!here| repeated": (n) => fill("<!here|", n),
  ":a repeated": (n) => fill(":a", n),
  "@a repeated": (n) => fill("@a ", n),
  "distinct @mentions": (n) =>
    Array.from({ length: Math.ceil(n / 6) }, (_, i) => `@u${i.toString(36)} `)
      .join("")
      .slice(0, n),
  "#a repeated": (n) => fill("#a ", n),
  "~a repeated": (n) => fill("~a", n),
  "**_* repeated": (n) => fill("**_* ", n),
  "* * * … a": (n) => framed("", "* ", "a", n),
  "a*** repeated": (n) => fill("a***", n),
  "*_* _ repeated": (n) => fill("*_* _ ", n),
  "*t then _t*_": (n) => fill("*t ", Math.floor(n / 2)) + fill("_t*_ ", n - Math.floor(n / 2)),
  "mixed punctuation": (n) => fill("*_`[<:>@#~!&\\", n),
  "nested quotes > > >": (n) => framed("", "> ", "a", n),
  "nested quotes >>>": (n) => framed("", ">", " a", n),
  "nested lists - - -": (n) => framed("", "- ", "a", n),
  "nested ordered lists": (n) => framed("", "1. ", "a", n),
  "quotes in lists > - > -": (n) => framed("", "> - ", "a", n),
  "nested **strong**": (n) => nested("**", "**", n),
  "nested *_emphasis_*": (n) => nested("*_", "_*", n),
  "nested [links](b)": (n) => nested("[", "](b)", n),
  "nested ~~strike~~": (n) => nested("~~", "~~", n),
  "indented list staircase": (n) => {
    const lines: string[] = [];
    let used = 0;
    for (let i = 0; used < n; i++) {
      const line = `${" ".repeat(i * 2)}- a\n`;
      lines.push(line);
      used += line.length;
    }
    return lines.join("").slice(0, n);
  },
  "wide table": (n) => {
    const cols = 500;
    const head = `|${fill("a|", cols * 2)}\n|${fill("-|", cols * 2)}\n`;
    return framed(head, `|${fill("b|", cols * 2)}\n`, "", n);
  },
  "fenced blocks ```a``` repeated": (n) => fill("```a```", n),
  "quoted command words": (n) => fill(`"a' “b‘ `, n),
  "unclosed quotes in a command": (n) => fill(`"'“‘\\`, n),
  "terminal escapes": (n) => fill("\u001b]52;c;aGk=\u0007\u001b[2J\u001b]8;;http://evil\u001b\\x\u009b1m", n),
  "C0 and C1 controls": (n) =>
    fill(Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join(""), n),
  "urls repeated": (n) => fill("www.a.b/( http://x.y/z) ", n),
};
