import fc from "fast-check";
import { HOSTILE_TEXT } from "./hostile-text.ts";

/**
 * How the fuzzers run: FUZZ_SEED replays a run (every fuzzer prints the seed it used), FUZZ_RUNS
 * sets the number of inputs each tries (`bun run bench fuzz` runs many more than `bun run test`).
 */
export const FUZZ_SEED = Number(Bun.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Bun.env.FUZZ_RUNS === undefined ? undefined : Number(Bun.env.FUZZ_RUNS);

/** Checks `property` on `runs` inputs (FUZZ_RUNS when set), saying first how to replay it. */
export async function fuzz<T>(
  name: string,
  input: fc.Arbitrary<T>,
  property: (value: T) => void | Promise<void>,
  runs: number,
) {
  const numRuns = RUNS ?? runs;
  console.log(`fuzz ${name}: ${numRuns} inputs, seed ${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED})`);
  await fc.assert(
    fc.asyncProperty(input, async (value) => {
      await property(value);
    }),
    { seed: FUZZ_SEED, numRuns, endOnFailure: true },
  );
}

// Pieces hostile text is made of: markdown's punctuation, HTML and URL schemes a renderer must
// neutralise, Slack's control sequences, quotes, and terminal escapes.
const PIECES = [
  "*",
  "**",
  "_",
  "__",
  "~",
  "~~",
  "`",
  "```",
  "```js\n",
  "\n```",
  "[",
  "]",
  "(",
  ")",
  "![",
  "<",
  ">",
  "> ",
  "- ",
  "1. ",
  "#",
  "# ",
  "@",
  "@alice",
  "@here",
  "#general",
  ":",
  "|",
  "\\",
  "&",
  "&amp;",
  "&#x6a;",
  "&lt;",
  "\n",
  "\n\n",
  "\t",
  " ",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">x</a>',
  "javascript:alert(1)",
  "JaVaScRiPt:",
  "vbscript:",
  "data:text/html,<script>",
  "[x](javascript:alert(1))",
  "[x](java\nscript:alert(1))",
  "<javascript:alert(1)>",
  "[x]: javascript:alert(1)",
  "![x](http://evil/x.png)",
  '" onmouseover="alert(1)',
  "' onfocus='x",
  "<svg/onload=alert(1)>",
  "<iframe src=//evil>",
  "<style>",
  "</p>",
  "http://a.example/",
  "https://b.example/(x)",
  "mailto:a@b.example",
  "www.example.com",
  "<!here>",
  "<!channel>",
  "<@U123>",
  "<#C1|general>",
  "<http://x.example|label>",
  "<javascript:alert(1)|x>",
  '"',
  "'",
  "“",
  "‘",
  "”",
  "\u001b]52;c;aGk=\u0007",
  "\u001b[2J",
  "\u001b]8;;http://evil\u001b\\",
  "\u009b31m",
  "\u0000",
  "\u0007",
  "\r",
  "\u2028",
  "/* ",
  "*/",
  "//",
  "'\\'",
  '"\\"',
];

/** Text a hostile member might send: arbitrary Unicode, the pieces above strung together, or a slice of the worst-case corpus. */
export const hostileText = (maxPieces = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc
      .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { maxLength: maxPieces })
      .map((p) => p.join("")),
    fc
      .tuple(fc.constantFrom(...Object.values(HOSTILE_TEXT)), fc.integer({ min: 1, max: 400 }))
      .map(([make, n]) => make(n)),
  );
