// Rendering a message at the body limit, ordinary and hostile: every path that reads a body (web
// HTML, the terminal with its highlighter, a Slack webhook's mrkdwn, mention parsing, slash
// commands, search snippets) against the corpus in test/support/hostile-text.ts. The figure of each
// path is its slowest entry beside an ordinary message of the same length from the same run, as a
// ratio, and how that slowest entry grows from a quarter of the limit to the limit (linear is 4×).
// Run with `bun run bench render` (or `bun test/bench/render-worst-case.bench.ts`).
import { parseCommand } from "../../lib/commands/parse.ts";
import { tokenize } from "../../lib/commands/tokenize.ts";
import { renderMarkdownHtml } from "../../lib/markdown/html.ts";
import { loadHighlighter, renderMarkdown, toAnsi } from "../../lib/markdown/terminal.ts";
import { parseMentions } from "../../lib/messages/mentions.ts";
import { MAX_BODY_CHARS } from "../../lib/messages/post.ts";
import { parseWebhookBody } from "../../lib/webhooks/payload.ts";
import { HOSTILE_TEXT, ordinaryText } from "../support/hostile-text.ts";
import { heading, ms, row, verdict } from "./measure.ts";
import { callJson, createCommunity, startBenchApi } from "./setup.ts";

// A hostile message may cost this many ordinary ones of its length, and no more.
const MAX_RATIO = 5;
// Four times the text may take this many times as long (4 is linear; 16 is quadratic).
const MAX_GROWTH = 6;
const RUNS = 3;

type Render = (body: string) => unknown;

const paths: Record<string, Render> = {
  "web HTML": renderMarkdownHtml,
  terminal: (body) => toAnsi(renderMarkdown(body)),
  "Slack webhook": (body) => {
    const parsed = parseWebhookBody("application/json", JSON.stringify({ text: body }));
    if (parsed.ok) renderMarkdownHtml(parsed.post.bodyMd);
  },
  mentions: parseMentions,
  "slash command": (body) => {
    parseCommand(`/me ${body}`);
    tokenize(body);
  },
};

/** The median of RUNS timings of one render, in ms. */
function time(render: Render, body: string): number {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    render(body);
    runs.push(performance.now() - start);
  }
  return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
}

interface Finding {
  path: string;
  baseline: number;
  slowest: string;
  slowestMs: number;
  growth: number;
}

/** Times every entry and the baseline on one path; the slowest entry is timed again at a quarter. */
function measure(path: string, render: Render, sizeOf: (n: number) => number): Finding {
  const n = MAX_BODY_CHARS;
  const baseline = time(render, ordinaryText(sizeOf(n)));
  const timed = Object.entries(HOSTILE_TEXT).map(([name, make]) => ({
    name,
    make,
    ms: time(render, make(sizeOf(n))),
  }));
  timed.sort((a, b) => b.ms - a.ms);
  for (const t of timed.slice(0, 3))
    row(`${path}: ${t.name}`, `${ms(t.ms)} ms`, `${(t.ms / baseline).toFixed(1)}×`);
  const worst = timed[0] as (typeof timed)[number];
  // Again at the limit, beside a quarter, so both come from the same moment of the machine.
  const quarter = time(render, worst.make(sizeOf(n / 4)));
  const full = time(render, worst.make(sizeOf(n)));
  return { path, baseline, slowest: worst.name, slowestMs: worst.ms, growth: full / Math.max(quarter, 0.05) };
}

heading(
  `rendering a ${MAX_BODY_CHARS.toLocaleString("en")}-character message: ${Object.keys(HOSTILE_TEXT).length} hostile bodies beside an ordinary one (median of ${RUNS})`,
);
loadHighlighter();
for (const render of Object.values(paths)) render(ordinaryText(2000));

const findings = Object.entries(paths).map(([path, render]) => measure(path, render, (n) => n));

const api = await startBenchApi();
try {
  const alice = await api.person("alice");
  const { general } = await createCommunity(api, alice, "acme", []);
  // Each body carries a word of its own, so a search finds it alone and builds its snippet.
  const search = async (body: string) => {
    const word = `w${Bun.randomUUIDv7().replaceAll("-", "").slice(-12)}`;
    await callJson(api, alice, "POST", `/api/channels/${general}/messages`, {
      body_md: `${word} ${body}`.slice(0, MAX_BODY_CHARS),
    });
    return async () => {
      await callJson(api, alice, "GET", `/api/search?q=${word}&channel=${general}`);
    };
  };
  const timeAsync = async (op: () => Promise<void>) => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await op();
      runs.push(performance.now() - start);
    }
    return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number;
  };
  const baselineOp = await search(ordinaryText(MAX_BODY_CHARS));
  await baselineOp();
  const baseline = await timeAsync(baselineOp);
  const timed: { name: string; ms: number }[] = [];
  for (const [name, make] of Object.entries(HOSTILE_TEXT)) {
    // A body the API refuses (NUL cannot be stored) has no snippet to build.
    const op = await search(make(MAX_BODY_CHARS)).catch(() => null);
    if (op) timed.push({ name, ms: await timeAsync(op) });
    else row(`search snippet: ${name}`, "refused by the API (400)");
  }
  timed.sort((a, b) => b.ms - a.ms);
  for (const t of timed.slice(0, 3))
    row(`search snippet: ${t.name}`, `${ms(t.ms)} ms`, `${(t.ms / baseline).toFixed(1)}×`);
  const worst = timed[0] as (typeof timed)[number];
  const make = HOSTILE_TEXT[worst.name] as (n: number) => string;
  const quarter = await timeAsync(await search(make(MAX_BODY_CHARS / 4)));
  const full = await timeAsync(await search(make(MAX_BODY_CHARS)));
  findings.push({
    path: "search snippet",
    baseline,
    slowest: worst.name,
    slowestMs: worst.ms,
    growth: full / quarter,
  });
} finally {
  await api.close();
}

heading("slowest render per path, beside an ordinary message of the same length");
for (const f of findings) {
  row(
    f.path,
    `ordinary ${ms(f.baseline)} ms`,
    `slowest ${ms(f.slowestMs)} ms (${f.slowest})`,
    `${(f.slowestMs / f.baseline).toFixed(1)}×`,
    `¼→full ${f.growth.toFixed(1)}×`,
  );
}
const worst = findings.reduce((a, b) => (b.slowestMs / b.baseline > a.slowestMs / a.baseline ? b : a));
verdict(
  `slowest render ≤ ${MAX_RATIO}× an ordinary message of its length`,
  findings.every((f) => f.slowestMs <= MAX_RATIO * Math.max(f.baseline, 1)),
  `${worst.path}: ${worst.slowest} ${(worst.slowestMs / worst.baseline).toFixed(1)}×`,
);
verdict(
  `4× the text costs ≤ ${MAX_GROWTH}× the time (linear)`,
  findings.every((f) => f.growth <= MAX_GROWTH),
  findings
    .filter((f) => f.growth > MAX_GROWTH)
    .map((f) => `${f.path}: ${f.slowest} ${f.growth.toFixed(1)}×`)
    .join("; "),
);
